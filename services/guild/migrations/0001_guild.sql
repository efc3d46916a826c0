-- Characters as guild knows them: a read model of player's CharacterCreated
-- and CharacterDeleted events (owner, for the actor check; name, for lists
-- and events; deletion, which takes a character out of its guild).
CREATE TABLE characters (
  character_id uuid PRIMARY KEY,
  player_id text NOT NULL,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Kept as a tombstone: a deleted character can neither act nor be invited.
  deleted_at timestamptz
);

-- Guilds. A guild is 'founding' from the moment its founder asked until the
-- creation fee is charged in inventory: the row is the intent, and it
-- reserves the name and tag (the unique indexes below) while the fee is in
-- flight. 'disbanding' is the intent of the other end: nothing changes any
-- more while the bank goes back to the leader.
CREATE TABLE guilds (
  guild_id uuid PRIMARY KEY,
  name text NOT NULL,
  tag text NOT NULL,
  description text NOT NULL,
  join_policy smallint NOT NULL,
  state text NOT NULL CHECK (state IN ('founding', 'active', 'disbanding', 'disbanded')),
  leader_character_id uuid NOT NULL,
  founder_character_id uuid NOT NULL,
  -- The founder's idempotency key of CreateGuild: a retry finds this row.
  creation_key text NOT NULL,
  fee bigint NOT NULL CHECK (fee >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Set once while disbanding: the bank balance being returned, so every
  -- retry of the return moves the same amount under the same key.
  disband_amount bigint,
  returned_gold bigint,
  unreturned_gold bigint,
  disbanded_at timestamptz,
  UNIQUE (founder_character_id, creation_key)
);
-- Names are unique ignoring case, tags exactly (they are upper case), among guilds that still exist.
CREATE UNIQUE INDEX guilds_name ON guilds (lower(name)) WHERE state <> 'disbanded';
CREATE UNIQUE INDEX guilds_tag ON guilds (tag) WHERE state <> 'disbanded';
CREATE INDEX guilds_active_by_name ON guilds (lower(name), guild_id) WHERE state = 'active';

-- Each guild's own roles. Rank orders them (1 is the leader, larger is
-- lower) and is unique in the guild; permissions are GuildPermission values.
CREATE TABLE guild_roles (
  role_id uuid PRIMARY KEY,
  guild_id uuid NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
  name text NOT NULL,
  rank integer NOT NULL CHECK (rank >= 1),
  kind text NOT NULL CHECK (kind IN ('leader', 'entry', 'standard')),
  permissions smallint[] NOT NULL,
  daily_withdrawal_limit bigint NOT NULL CHECK (daily_withdrawal_limit >= 0),
  UNIQUE (guild_id, rank)
);
CREATE UNIQUE INDEX guild_roles_name ON guild_roles (guild_id, lower(name));
CREATE UNIQUE INDEX guild_roles_leader ON guild_roles (guild_id) WHERE kind = 'leader';
CREATE UNIQUE INDEX guild_roles_entry ON guild_roles (guild_id) WHERE kind = 'entry';

-- Memberships. The primary key is the character: one guild per character,
-- however many joins race.
CREATE TABLE members (
  character_id uuid PRIMARY KEY,
  -- Join order, for listings (paged by rank, then this).
  seq bigserial NOT NULL UNIQUE,
  guild_id uuid NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
  role_id uuid NOT NULL REFERENCES guild_roles (role_id),
  joined_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX members_guild ON members (guild_id);
CREATE INDEX members_role ON members (role_id);

-- Invitations; at most one pending per guild and character. A pending
-- invite past expires_at counts as gone at once; its expiry job marks it.
CREATE TABLE invites (
  invite_id uuid PRIMARY KEY,
  -- Creation order, for listings.
  seq bigserial NOT NULL UNIQUE,
  guild_id uuid NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
  character_id uuid NOT NULL,
  invited_by_character_id uuid NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'accepted', 'declined', 'revoked', 'expired')),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  closed_at timestamptz
);
CREATE UNIQUE INDEX invites_pending ON invites (guild_id, character_id) WHERE state = 'pending';
CREATE INDEX invites_pending_of_character ON invites (character_id, seq) WHERE state = 'pending';
CREATE INDEX invites_pending_of_guild ON invites (guild_id, seq) WHERE state = 'pending';

-- Requests to join open guilds; at most one pending per guild and character.
CREATE TABLE join_requests (
  join_request_id uuid PRIMARY KEY,
  -- Creation order, for listings.
  seq bigserial NOT NULL UNIQUE,
  guild_id uuid NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
  character_id uuid NOT NULL,
  message text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'withdrawn')),
  decided_by_character_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz
);
CREATE UNIQUE INDEX join_requests_pending ON join_requests (guild_id, character_id) WHERE state = 'pending';
CREATE INDEX join_requests_pending_of_character ON join_requests (character_id) WHERE state = 'pending';
CREATE INDEX join_requests_pending_of_guild ON join_requests (guild_id, seq) WHERE state = 'pending';

-- Deposits and withdrawals of guild banks. The gold itself is in
-- inventory's ledger; a row here is the intent ('pending', written before
-- inventory is called, with its settlement job) and then the outcome
-- ('completed'). A movement inventory refused is deleted. Pending
-- withdrawals count against the member's daily limit: that is the
-- reservation that keeps concurrent withdrawals within it.
CREATE TABLE bank_transfers (
  transfer_id uuid PRIMARY KEY,
  guild_id uuid NOT NULL REFERENCES guilds (guild_id),
  character_id uuid NOT NULL,
  direction text NOT NULL CHECK (direction IN ('deposit', 'withdrawal')),
  amount bigint NOT NULL CHECK (amount > 0),
  -- The character's key; inventory's is derived from transfer_id.
  idempotency_key text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'completed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  transaction_id text,
  bank_balance_after bigint,
  wallet_balance_after bigint,
  UNIQUE (character_id, idempotency_key),
  CHECK ((state = 'completed') = (transaction_id IS NOT NULL))
);
CREATE INDEX bank_transfers_pending ON bank_transfers (guild_id) WHERE state = 'pending';
CREATE INDEX bank_transfers_withdrawals ON bank_transfers (guild_id, character_id, created_at) WHERE direction = 'withdrawal';
