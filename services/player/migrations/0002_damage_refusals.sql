-- A hit player refused because its target was already defeated, kept per
-- cast id like an applied one: any later attempt of the same cast (a retry,
-- combat's re-drive, an attempt still in flight from before) gets the same
-- refusal, even once the target has respawned. Combat records such a cast
-- as missed and gives its mana back, so it must never land afterwards.
CREATE TABLE damage_refusals (
  cast_id uuid PRIMARY KEY,
  character_id uuid NOT NULL,
  refused_at timestamptz NOT NULL DEFAULT now()
);
