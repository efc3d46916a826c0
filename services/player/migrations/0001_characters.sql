-- Zones a character may stand in, with their bounds. Small and static in this
-- slice; the world service will own zones once it exists.
CREATE TABLE zones (
  zone_id text PRIMARY KEY,
  display_name text NOT NULL,
  min_x double precision NOT NULL,
  max_x double precision NOT NULL,
  min_y double precision NOT NULL,
  max_y double precision NOT NULL,
  min_z double precision NOT NULL,
  max_z double precision NOT NULL
);

INSERT INTO zones (zone_id, display_name, min_x, max_x, min_y, max_y, min_z, max_z) VALUES
  ('ember_plains', 'Ember Plains', 0, 200, 0, 200, 0, 50),
  ('frost_hollow', 'Frost Hollow', 0, 200, 0, 200, 0, 50);

-- Stats are not stored: they follow from kind, class and level (core/class-stats.ts),
-- so a balance change reaches every character at once. Health is the only vital kept.
CREATE TABLE characters (
  character_id uuid PRIMARY KEY,
  -- The identity account id; NULL for training targets.
  player_id text,
  name text NOT NULL,
  character_class smallint NOT NULL,
  kind smallint NOT NULL,
  level integer NOT NULL DEFAULT 1 CHECK (level BETWEEN 1 AND 100),
  health integer NOT NULL CHECK (health >= 0),
  zone_id text NOT NULL REFERENCES zones (zone_id),
  x double precision NOT NULL,
  y double precision NOT NULL,
  z double precision NOT NULL,
  -- Set when health reached zero; the character respawns lazily a configured time later.
  defeated_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((health = 0) = (defeated_at IS NOT NULL))
);

-- Names are unique regardless of case ("Alice" blocks "alice").
CREATE UNIQUE INDEX characters_name_key ON characters (lower(name));
CREATE INDEX characters_player ON characters (player_id, created_at) WHERE player_id IS NOT NULL;
-- Zone listings page by name.
CREATE INDEX characters_zone_name ON characters (zone_id, lower(name));

-- One row per applied hit: ApplyDamage is idempotent by cast id, and a
-- repeated cast answers with what the first application did.
CREATE TABLE damage_applications (
  cast_id uuid PRIMARY KEY,
  character_id uuid NOT NULL,
  source_character_id uuid NOT NULL,
  amount integer NOT NULL,
  health_before integer NOT NULL,
  health_after integer NOT NULL,
  defeated boolean NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);

-- The training targets every new character finds next to its spawn point
-- (core/spawn.ts places new characters within a few units of them).
-- Kind 2 = CHARACTER_KIND_TRAINING_TARGET, class 0 = none; 120 health at level 1.
INSERT INTO characters (character_id, player_id, name, character_class, kind, level, health, zone_id, x, y, z, created_at) VALUES
  ('7d1a0000-0000-4000-8000-000000000001', NULL, 'Training Dummy 1', 0, 2, 1, 120, 'ember_plains', 100, 100, 0, '2026-01-01T00:00:00Z'),
  ('7d1a0000-0000-4000-8000-000000000002', NULL, 'Training Dummy 2', 0, 2, 1, 120, 'ember_plains', 106, 100, 0, '2026-01-01T00:00:00Z'),
  ('7d1a0000-0000-4000-8000-000000000003', NULL, 'Training Dummy 3', 0, 2, 1, 120, 'ember_plains', 100, 106, 0, '2026-01-01T00:00:00Z');
