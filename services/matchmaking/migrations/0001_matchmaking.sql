-- Characters as matchmaking knows them: a read model of player's
-- CharacterCreated and CharacterDeleted events, to check who owns a character
-- without a call.
CREATE TABLE characters (
  character_id uuid PRIMARY KEY,
  player_id text NOT NULL,
  deleted_at timestamptz
);

-- Seasons of ranked play, [starts_at, ends_at); the last row is the current
-- one, opened by the round that first sees the previous one ended.
CREATE TABLE seasons (
  season_number integer PRIMARY KEY,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL CHECK (ends_at > starts_at)
);

CREATE TABLE tickets (
  ticket_id uuid PRIMARY KEY,
  queue_id text NOT NULL,
  -- The party, leader first.
  character_ids uuid[] NOT NULL CHECK (cardinality(character_ids) >= 1),
  region text NOT NULL,
  latency_ms integer NOT NULL,
  state text NOT NULL CHECK (state IN ('searching', 'match_found', 'matched', 'cancelled', 'expired')),
  match_id uuid,
  -- Kept when a failed ready check sends the ticket back to the queue.
  enqueued_at timestamptz NOT NULL,
  rating double precision NOT NULL,
  cause text CHECK (cause IN ('left_queue', 'declined', 'expired')),
  closed_at timestamptz
);
CREATE INDEX tickets_searching ON tickets (queue_id, enqueued_at) WHERE state = 'searching';

-- One open ticket per character: a row per member while the ticket is open.
CREATE TABLE open_tickets (
  character_id uuid PRIMARY KEY,
  ticket_id uuid NOT NULL REFERENCES tickets (ticket_id)
);
CREATE INDEX open_tickets_by_ticket ON open_tickets (ticket_id);

CREATE TABLE matches (
  match_id uuid PRIMARY KEY,
  queue_id text NOT NULL,
  region text NOT NULL,
  -- The season in force when the match was formed: its result counts there.
  season_number integer NOT NULL REFERENCES seasons (season_number),
  state text NOT NULL CHECK (state IN ('ready_check', 'allocating', 'running', 'completed', 'cancelled')),
  created_at timestamptz NOT NULL,
  ready_check_ends_at timestamptz NOT NULL,
  rating_window double precision NOT NULL,
  rating_low double precision NOT NULL,
  rating_high double precision NOT NULL,
  team_means double precision[] NOT NULL,
  server_id text,
  seed bigint NOT NULL
);
CREATE INDEX matches_ready_checks ON matches (ready_check_ends_at) WHERE state = 'ready_check';

CREATE TABLE match_players (
  match_id uuid NOT NULL REFERENCES matches (match_id),
  character_id uuid NOT NULL,
  ticket_id uuid NOT NULL REFERENCES tickets (ticket_id),
  team_index integer NOT NULL,
  mu double precision NOT NULL,
  sigma double precision NOT NULL,
  accepted boolean NOT NULL DEFAULT false,
  backfill boolean NOT NULL DEFAULT false,
  left_at timestamptz,
  PRIMARY KEY (match_id, character_id)
);

-- A player who left a running match, until a queued player fills the place.
CREATE TABLE holes (
  match_id uuid NOT NULL REFERENCES matches (match_id),
  character_id uuid NOT NULL,
  team_index integer NOT NULL,
  opened_at timestamptz NOT NULL DEFAULT now(),
  filled_by uuid,
  PRIMARY KEY (match_id, character_id)
);
CREATE INDEX holes_open ON holes (opened_at) WHERE filled_by IS NULL;

-- One result per match, in the same transaction as the rating updates it made.
CREATE TABLE results (
  match_id uuid PRIMARY KEY REFERENCES matches (match_id),
  winning_team integer NOT NULL,
  draw boolean NOT NULL,
  leavers uuid[] NOT NULL,
  reported_at timestamptz NOT NULL DEFAULT now()
);

-- OpenSkill ratings per character, queue and season (season 0: queues without seasons).
CREATE TABLE ratings (
  queue_id text NOT NULL,
  season_number integer NOT NULL,
  character_id uuid NOT NULL,
  mu double precision NOT NULL,
  sigma double precision NOT NULL,
  conservative double precision NOT NULL,
  wins integer NOT NULL DEFAULT 0,
  losses integer NOT NULL DEFAULT 0,
  draws integer NOT NULL DEFAULT 0,
  PRIMARY KEY (queue_id, season_number, character_id)
);
CREATE INDEX ratings_leaderboard ON ratings (queue_id, season_number, conservative DESC, character_id);
