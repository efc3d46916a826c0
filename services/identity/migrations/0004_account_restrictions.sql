-- Anti-cheat's suspensions and bans in force, from its ActionApplied/ActionLifted
-- events: logins are refused while one holds (until_at NULL: a ban, until lifted).
CREATE TABLE account_restrictions (
  action_id text PRIMARY KEY,
  account_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('suspension', 'ban')),
  until_at timestamptz
);
CREATE INDEX account_restrictions_by_account ON account_restrictions (account_id);
