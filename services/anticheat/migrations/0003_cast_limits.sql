-- The spell's cooldown and base damage, as combat's SpellCast states them at the cast
-- (anticheat keeps no copy of combat's catalogue). 0: not stated, no signal.
ALTER TABLE casts ADD COLUMN cooldown_ms integer NOT NULL DEFAULT 0;
ALTER TABLE casts ADD COLUMN base_damage integer NOT NULL DEFAULT 0;
