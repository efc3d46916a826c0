-- Read models of other services' events that the rules look back on.
CREATE TABLE characters (
  character_id text PRIMARY KEY,
  player_id text NOT NULL
);

-- The last known position of each character (speed rule).
CREATE TABLE last_moves (
  character_id text PRIMARY KEY,
  zone_id text NOT NULL,
  x double precision NOT NULL,
  y double precision NOT NULL,
  z double precision NOT NULL,
  moved_at timestamptz NOT NULL
);

-- Recent casts (cast-rate and damage rules); pruned after the retention setting.
CREATE TABLE casts (
  cast_id text PRIMARY KEY,
  character_id text NOT NULL,
  player_id text NOT NULL,
  spell_id text NOT NULL,
  cast_at timestamptz NOT NULL
);
CREATE INDEX casts_by_character_spell ON casts (character_id, spell_id, cast_at DESC);

-- When each character was last defeated and last brought back (cast-while-defeated rule), by event time.
CREATE TABLE defeats (
  character_id text PRIMARY KEY,
  defeated_at timestamptz,
  revived_at timestamptz
);

-- Gold given for nothing in return (gold-funnel rule).
CREATE TABLE gold_gifts (
  trade_id text PRIMARY KEY,
  giver_player_id text NOT NULL,
  receiver_player_id text NOT NULL,
  gold bigint NOT NULL,
  given_at timestamptz NOT NULL
);
CREATE INDEX gold_gifts_by_receiver ON gold_gifts (receiver_player_id, given_at);

-- Successful logins by address (shared-address rule).
CREATE TABLE address_logins (
  ip_address text NOT NULL,
  account_id text NOT NULL,
  last_login_at timestamptz NOT NULL,
  PRIMARY KEY (ip_address, account_id)
);

-- Every signal; the id is derived from the source event id and the rule.
CREATE TABLE signals (
  signal_id text PRIMARY KEY,
  player_id text NOT NULL,
  character_id text,
  kind int NOT NULL,
  weight double precision NOT NULL,
  source_event_id text NOT NULL,
  evidence text NOT NULL,
  observed_at timestamptz NOT NULL
);
CREATE INDEX signals_by_player ON signals (player_id, observed_at DESC, signal_id DESC);

-- A player's score, decayed to score_at.
CREATE TABLE scores (
  player_id text PRIMARY KEY,
  score double precision NOT NULL,
  score_at timestamptz NOT NULL
);

-- Every change of a score with the signals behind it (the evidence).
CREATE TABLE score_changes (
  change_id bigserial PRIMARY KEY,
  player_id text NOT NULL,
  score_before double precision NOT NULL,
  score_after double precision NOT NULL,
  signal_ids text[] NOT NULL,
  changed_at timestamptz NOT NULL
);
CREATE INDEX score_changes_by_player ON score_changes (player_id, change_id DESC);

CREATE TABLE cases (
  case_id text PRIMARY KEY,
  player_id text NOT NULL,
  state int NOT NULL,
  opening_score double precision NOT NULL,
  opened_at timestamptz NOT NULL,
  verdict int NOT NULL DEFAULT 0,
  note text NOT NULL DEFAULT '',
  resolved_by text NOT NULL DEFAULT '',
  resolved_at timestamptz
);
-- One open case per player at a time.
CREATE UNIQUE INDEX cases_one_open ON cases (player_id) WHERE state = 1;
CREATE INDEX cases_by_state ON cases (state, opened_at, case_id);

CREATE TABLE actions (
  action_id text PRIMARY KEY,
  player_id text NOT NULL,
  kind int NOT NULL,
  state int NOT NULL,
  reason text NOT NULL,
  applied_by text NOT NULL,
  applied_at timestamptz NOT NULL,
  expires_at timestamptz,
  lifted_at timestamptz,
  lift_reason text NOT NULL DEFAULT '',
  case_id text
);
CREATE INDEX actions_by_player ON actions (player_id, applied_at DESC);
CREATE INDEX actions_expiring ON actions (expires_at) WHERE state = 1 AND expires_at IS NOT NULL;

CREATE TABLE appeals (
  appeal_id text PRIMARY KEY,
  action_id text NOT NULL REFERENCES actions (action_id),
  player_id text NOT NULL,
  statement text NOT NULL,
  state int NOT NULL,
  resolution text NOT NULL DEFAULT '',
  resolved_by text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  resolved_at timestamptz
);
-- One open appeal per action.
CREATE UNIQUE INDEX appeals_one_open ON appeals (action_id) WHERE state = 1;
CREATE INDEX appeals_by_player ON appeals (player_id, created_at DESC);
