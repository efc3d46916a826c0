-- Characters as progression knows them (names for leaderboards), a read model
-- of player's CharacterCreated and CharacterDeleted events.
CREATE TABLE characters (
  character_id uuid PRIMARY KEY,
  player_id text NOT NULL,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- A deleted character leaves the leaderboards but keeps its history.
  deleted_at timestamptz
);

-- A character's progression, folded from the logs below in the same
-- transactions that append to them.
CREATE TABLE progress (
  character_id uuid PRIMARY KEY,
  -- The owner, learnt from CharacterCreated, SpellCast or CharacterDefeated; '' until one of them arrived.
  player_id text NOT NULL DEFAULT '',
  experience bigint NOT NULL DEFAULT 0 CHECK (experience >= 0),
  level integer NOT NULL DEFAULT 1 CHECK (level BETWEEN 1 AND 100),
  defeats bigint NOT NULL DEFAULT 0 CHECK (defeats >= 0),
  achievement_points bigint NOT NULL DEFAULT 0 CHECK (achievement_points >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- A leaderboard rebuild catches up with characters changed while it ran.
CREATE INDEX progress_updated ON progress (updated_at);

-- Every experience change, with the event it came from: the history a
-- leaderboard rebuild replays. One grant per character and source event.
CREATE TABLE experience_log (
  seq bigserial PRIMARY KEY,
  character_id uuid NOT NULL,
  source_event_id text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  -- 'damage', 'defeat' or 'grant'.
  source text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (character_id, source_event_id)
);

-- Every defeat a character scored.
CREATE TABLE defeat_log (
  seq bigserial PRIMARY KEY,
  character_id uuid NOT NULL,
  source_event_id text NOT NULL,
  defeated_id text NOT NULL,
  -- '' for training targets.
  defeated_player_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (character_id, source_event_id)
);

CREATE TABLE achievement_unlocks (
  seq bigserial PRIMARY KEY,
  character_id uuid NOT NULL,
  achievement_id text NOT NULL,
  points integer NOT NULL CHECK (points >= 0),
  unlocked_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (character_id, achievement_id)
);

-- Work that must follow a committed change but cannot share its transaction
-- (Redis leaderboards, the level reward in inventory, the level in player).
-- Written in the same transaction as the change, so none is lost to a crash;
-- done by a worker after the commit, retried with backoff, and idempotent
-- on the other side, so doing one twice is harmless.
CREATE TABLE follow_ups (
  follow_up_key text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('leaderboard', 'level_reward', 'set_level')),
  character_id uuid NOT NULL,
  level integer NOT NULL DEFAULT 0,
  -- Bumped when the same follow-up is asked for again while one is running, so that run does not delete the newer request.
  version bigint NOT NULL DEFAULT 1,
  attempts integer NOT NULL DEFAULT 0,
  due_at timestamptz NOT NULL DEFAULT now(),
  last_error text
);
CREATE INDEX follow_ups_due ON follow_ups (due_at);
