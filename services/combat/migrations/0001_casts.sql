-- One row per completed cast: what it did, and the outcome a retry with the
-- same idempotency key gets back instead of casting again.
CREATE TABLE casts (
  cast_id uuid PRIMARY KEY,
  caster_character_id uuid NOT NULL,
  caster_player_id text NOT NULL,
  target_id uuid NOT NULL,
  -- '' for training targets.
  target_player_id text NOT NULL,
  spell_id text NOT NULL,
  damage integer NOT NULL,
  target_health integer NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('hit', 'defeated')),
  caster_mana integer NOT NULL,
  cooldown_ms integer NOT NULL,
  idempotency_key text,
  cast_at timestamptz NOT NULL DEFAULT now()
);

-- A key is unique per caster: concurrent retries of one cast race here and one wins.
CREATE UNIQUE INDEX casts_idempotency_key ON casts (caster_character_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX casts_caster ON casts (caster_character_id, cast_at);
