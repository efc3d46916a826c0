-- Zones, from the catalogue (catalogue.json, synced at start-up); `open` and
-- `close_reason` are run-time state that admins change and the sync keeps.
CREATE TABLE zones (
  zone_id text PRIMARY KEY,
  name text NOT NULL,
  min_x double precision NOT NULL,
  min_y double precision NOT NULL,
  max_x double precision NOT NULL,
  max_y double precision NOT NULL,
  min_level integer NOT NULL,
  max_level integer NOT NULL,
  pvp boolean NOT NULL,
  -- The catalogue's order, for listings.
  position integer NOT NULL,
  open boolean NOT NULL DEFAULT true,
  close_reason text NOT NULL DEFAULT ''
);

-- Territories, from the catalogue; who holds each is run-time state.
CREATE TABLE territories (
  territory_id text PRIMARY KEY,
  zone_id text NOT NULL REFERENCES zones (zone_id),
  name text NOT NULL,
  min_x double precision NOT NULL,
  min_y double precision NOT NULL,
  max_x double precision NOT NULL,
  max_y double precision NOT NULL,
  position integer NOT NULL,
  controller_guild_id uuid,
  control_since timestamptz,
  -- Counts every change (a contest starting, each tick of it, its end), in
  -- the transaction that makes it: streams order and de-duplicate by it.
  revision bigint NOT NULL DEFAULT 0,
  last_change text CHECK (last_change IN ('contested', 'progress', 'captured', 'defended', 'abandoned', 'released'))
);
CREATE INDEX territories_by_zone ON territories (zone_id, position);
CREATE INDEX territories_by_controller ON territories (controller_guild_id) WHERE controller_guild_id IS NOT NULL;

-- Captures: one row per StartTerritoryCapture that started a contest (its
-- capture id, chosen by the client, makes retries idempotent), kept after the
-- contest ends. last_tick is the tick the contest had last, moved in the same
-- transaction as its progress: a tick applies once per capture.
CREATE TABLE captures (
  capture_id uuid PRIMARY KEY,
  territory_id text NOT NULL REFERENCES territories (territory_id),
  character_id uuid NOT NULL,
  started_by_guild_id uuid NOT NULL,
  started_at timestamptz NOT NULL,
  last_tick bigint NOT NULL,
  -- [{"guildId": ..., "progress": 0-100}], highest first.
  contenders jsonb NOT NULL DEFAULT '[]',
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'captured', 'defended', 'abandoned')),
  winner_guild_id uuid,
  ended_at timestamptz
);
-- One running contest per territory, whatever races the code might lose.
CREATE UNIQUE INDEX captures_running ON captures (territory_id) WHERE status = 'running';

-- Characters as world knows them from player's events: owner (the actor
-- check) and last known position (presence in territories).
CREATE TABLE characters (
  character_id uuid PRIMARY KEY,
  player_id text NOT NULL,
  zone_id text,
  x double precision,
  y double precision,
  deleted_at timestamptz
);
CREATE INDEX characters_by_zone ON characters (zone_id) WHERE deleted_at IS NULL;

-- Guild membership from guild's events: a character is in one guild at most.
CREATE TABLE guild_members (
  character_id uuid PRIMARY KEY,
  guild_id uuid NOT NULL
);
CREATE INDEX guild_members_by_guild ON guild_members (guild_id);
