-- Failed logins are counted per email, not per account: an unknown email then
-- answers and locks exactly like a real one (no enumeration through ACCOUNT_LOCKED).
-- One row per (email, client address) locks that address out; the row whose
-- scope is '*' counts across all addresses (the global back-off). '*' is no address.
CREATE TABLE login_failures (
  email text NOT NULL,
  scope text NOT NULL,
  -- Consecutive failures since the last success or lock.
  failures integer NOT NULL CHECK (failures >= 0),
  locked_until timestamptz,
  PRIMARY KEY (email, scope)
);

-- The per-email login limiter: attempts in the current fixed window.
CREATE TABLE login_bursts (
  email text PRIMARY KEY,
  window_start timestamptz NOT NULL,
  attempts integer NOT NULL CHECK (attempts > 0)
);

-- Superseded by login_failures.
ALTER TABLE accounts DROP COLUMN failed_logins, DROP COLUMN locked_until;
