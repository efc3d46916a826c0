-- A cast is recorded as pending (paid, its hit on its way to player) before
-- player is asked to apply the hit, so a cast whose answer is lost (a deadline,
-- a cancelled call, combat dying) is never refunded and never forgotten: combat
-- re-drives it (ApplyDamage is idempotent by cast id) until the hit's outcome is
-- known, then writes its events. A pending cast knows everything but the target's
-- health after the hit.
ALTER TABLE casts DROP CONSTRAINT casts_outcome_check;
ALTER TABLE casts ALTER COLUMN target_health DROP NOT NULL;
-- 'missed': the hit was refused (the target was defeated or gone first) and the caster refunded.
ALTER TABLE casts ADD CONSTRAINT casts_outcome_check CHECK (outcome IN ('pending', 'hit', 'defeated', 'missed_target_defeated', 'missed_target_gone'));
ALTER TABLE casts ADD CONSTRAINT casts_health_known CHECK ((outcome IN ('hit', 'defeated')) = (target_health IS NOT NULL));
-- What a refund gives back when the hit is refused: the caster's mana cap at the time of the cast.
ALTER TABLE casts ADD COLUMN caster_max_mana integer NOT NULL DEFAULT 0;
-- When a pending cast is next re-driven (later than the answer could still arrive on the first try).
ALTER TABLE casts ADD COLUMN redrive_at timestamptz;
CREATE INDEX casts_pending ON casts (redrive_at) WHERE outcome = 'pending';
