-- Anti-cheat's actions that bar a player from gifts of gold (trade restrictions,
-- suspensions, bans), from its ActionApplied/ActionLifted events; until_at NULL: until lifted.
CREATE TABLE gift_restrictions (
  action_id text PRIMARY KEY,
  player_id text NOT NULL,
  until_at timestamptz
);
CREATE INDEX gift_restrictions_by_player ON gift_restrictions (player_id);
