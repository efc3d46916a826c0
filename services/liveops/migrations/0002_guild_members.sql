-- Guild membership as liveops knows it from guild's events: a territory
-- captured by a guild (world's TerritoryCaptured names only the guild)
-- credits each of its members. A character is in one guild at a time.
CREATE TABLE guild_members (
  character_id uuid PRIMARY KEY,
  guild_id uuid NOT NULL
);
CREATE INDEX guild_members_by_guild ON guild_members (guild_id);
