-- Characters as chat knows them: a read model of player's events (owner, for
-- the actor check; name, shown with messages; zone, which decides the zone
-- channel a character is in).
CREATE TABLE characters (
  character_id uuid PRIMARY KEY,
  player_id text NOT NULL,
  name text NOT NULL,
  -- NULL until player tells where the character stands.
  zone_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX characters_by_zone ON characters (zone_id) WHERE deleted_at IS NULL;
CREATE INDEX characters_by_player ON characters (player_id);

-- Channels. Each has two counters, both moved in the transaction that
-- changes the channel while its row is locked, so they are gapless and
-- follow commit order: last_sequence counts posts (the history cursor),
-- revision counts every change, posts and deletions (the stream cursor).
CREATE TABLE channels (
  channel_id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('world', 'zone', 'guild', 'party', 'direct')),
  -- The zone id, the guild id, or for a direct channel its two character ids in order ("a:b"); '' for world and parties.
  scope_id text NOT NULL DEFAULT '',
  display_name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Set when the channel's guild is disbanded or its party emptied: nobody is in it any more.
  closed_at timestamptz,
  last_sequence bigint NOT NULL DEFAULT 0,
  revision bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX channels_by_scope ON channels (kind, scope_id) WHERE kind <> 'party';

-- The one world channel.
INSERT INTO channels (channel_id, kind, scope_id, display_name) VALUES (gen_random_uuid(), 'world', '', 'World');

-- Who is in a guild, party or direct channel (world and zone membership follow from the characters table).
CREATE TABLE channel_members (
  channel_id uuid NOT NULL REFERENCES channels (channel_id),
  character_id uuid NOT NULL,
  joined_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel_id, character_id)
);
CREATE INDEX channel_members_by_character ON channel_members (character_id);

-- Invitations to parties: a member invites, the invitee joins.
CREATE TABLE party_invites (
  channel_id uuid NOT NULL REFERENCES channels (channel_id),
  character_id uuid NOT NULL,
  invited_by_character_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel_id, character_id)
);

CREATE TABLE messages (
  message_id uuid PRIMARY KEY,
  channel_id uuid NOT NULL REFERENCES channels (channel_id),
  sequence bigint NOT NULL,
  -- The channel's revision at the message's last change (its post, then its deletion).
  revision bigint NOT NULL,
  sender_character_id uuid NOT NULL,
  sender_player_id text NOT NULL,
  sender_name text NOT NULL,
  -- As shown (masked by the word filter); '' once deleted.
  text text NOT NULL,
  -- A hash of the text as the player wrote it, so a retry with the same key and text is recognised after a deletion too.
  text_hash text NOT NULL,
  idempotency_key text NOT NULL,
  sent_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  deleted_by text,
  delete_reason text,
  UNIQUE (channel_id, sequence)
);
CREATE UNIQUE INDEX messages_by_key ON messages (sender_character_id, idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX messages_by_revision ON messages (channel_id, revision);

-- Mutes hold for every character of a player; channel_id NULL mutes everywhere.
CREATE TABLE mutes (
  mute_id uuid PRIMARY KEY,
  player_id text NOT NULL,
  channel_id uuid REFERENCES channels (channel_id),
  until timestamptz NOT NULL,
  reason text NOT NULL,
  muted_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mutes_by_player ON mutes (player_id, until);

CREATE TABLE blocks (
  character_id uuid NOT NULL,
  blocked_character_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (character_id, blocked_character_id)
);

CREATE TABLE friends (
  character_id uuid NOT NULL,
  friend_character_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (character_id, friend_character_id)
);

-- One report per reporter and message: reporting twice changes nothing.
CREATE TABLE reports (
  report_id uuid PRIMARY KEY,
  message_id uuid NOT NULL REFERENCES messages (message_id),
  reporter_character_id uuid NOT NULL,
  reason text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (message_id, reporter_character_id)
);
