-- The payment (in Redis) that bought the cast: a cast id can be paid twice
-- when two retries of one key race, and only the payment that recorded the cast
-- is kept when its hit lands; any other is refunded. Combat matches the caster's
-- unsettled payments against this column to give back the ones whose cast was
-- never recorded (a crash, the database away). NULL for casts recorded before.
ALTER TABLE casts ADD COLUMN payment_id text;
