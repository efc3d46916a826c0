-- Characters as liveops knows them: a read model of player's CharacterCreated
-- and CharacterDeleted, to check that a player joins and claims with their own
-- character, and to name characters on leaderboards, without a call.
CREATE TABLE characters (
  character_id uuid PRIMARY KEY,
  player_id text NOT NULL,
  name text NOT NULL,
  -- Kept as a tombstone: a deleted character no longer joins or claims.
  deleted_at timestamptz
);

-- Live events as admins schedule them.
CREATE TABLE live_events (
  event_id uuid PRIMARY KEY,
  title text NOT NULL,
  description text NOT NULL,
  goal_kind integer NOT NULL,
  -- combat's School; 0 (unspecified) for every school and for goals that are not about casts.
  goal_school integer NOT NULL DEFAULT 0,
  -- [{"tier": 1, "threshold": "10", "gold": "100", "items": [{"definitionId": "...", "quantity": "1"}]}], bigints as strings.
  tiers jsonb NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  -- The first occurrence's start (a recurring event's first cron time): listings filter states by it.
  first_starts_at timestamptz NOT NULL,
  -- A recurring event's cron expression, zone and occurrence length; all null for a one-off.
  recurrence_cron text,
  recurrence_time_zone text,
  recurrence_duration_ms bigint,
  cancelled_at timestamptz,
  cancel_reason text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK (ends_at > starts_at),
  CHECK ((recurrence_cron IS NULL) = (recurrence_duration_ms IS NULL))
);
CREATE INDEX live_events_by_start ON live_events (starts_at DESC, event_id DESC);
CREATE INDEX live_events_running ON live_events (ends_at) WHERE cancelled_at IS NULL;

-- Occurrences, each with its own window, made by the first join or the
-- schedule job; the id is derived from (event, start) (core/instance-id.ts).
CREATE TABLE live_event_instances (
  instance_id uuid PRIMARY KEY,
  event_id uuid NOT NULL REFERENCES live_events (event_id),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  -- Whether LiveEventStarted / LiveEventEnded went out (in the transaction that set it).
  start_announced boolean NOT NULL DEFAULT false,
  end_announced boolean NOT NULL DEFAULT false,
  UNIQUE (event_id, starts_at)
);
CREATE INDEX live_event_instances_to_announce ON live_event_instances (ends_at) WHERE NOT end_announced;

-- A character's part in one occurrence.
CREATE TABLE participations (
  instance_id uuid NOT NULL REFERENCES live_event_instances (instance_id),
  character_id uuid NOT NULL,
  event_id uuid NOT NULL,
  player_id text NOT NULL,
  progress bigint NOT NULL DEFAULT 0 CHECK (progress >= 0),
  joined_at timestamptz NOT NULL,
  PRIMARY KEY (instance_id, character_id)
);
CREATE INDEX participations_by_character ON participations (character_id);
CREATE INDEX participations_ranking ON participations (instance_id, progress DESC, joined_at, character_id);

-- Progress by source event: at most one row per (occurrence, character, source
-- event), so a source event counts once whatever delivers it again.
CREATE TABLE progress_credits (
  instance_id uuid NOT NULL,
  character_id uuid NOT NULL,
  source_event_id text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  happened_at timestamptz NOT NULL,
  PRIMARY KEY (instance_id, character_id, source_event_id),
  FOREIGN KEY (instance_id, character_id) REFERENCES participations (instance_id, character_id)
);

-- Rewards granted: one row per (occurrence, character, tier), written after
-- inventory's grants (whose keys derive from the same three), to answer a
-- repeated claim with the first result.
CREATE TABLE reward_claims (
  instance_id uuid NOT NULL,
  character_id uuid NOT NULL,
  tier integer NOT NULL,
  event_id uuid NOT NULL,
  gold bigint NOT NULL,
  -- [{"definitionId": "...", "quantity": "1"}]
  items jsonb NOT NULL,
  grant_ids text[] NOT NULL,
  claimed_at timestamptz NOT NULL,
  PRIMARY KEY (instance_id, character_id, tier),
  FOREIGN KEY (instance_id, character_id) REFERENCES participations (instance_id, character_id)
);
