-- Anti-cheat's actions that bar a player from trading (trade restrictions,
-- suspensions, bans), from its ActionApplied/ActionLifted events; until_at NULL: until lifted.
CREATE TABLE trading_restrictions (
  action_id text PRIMARY KEY,
  player_id text NOT NULL,
  until_at timestamptz
);
CREATE INDEX trading_restrictions_by_player ON trading_restrictions (player_id);
