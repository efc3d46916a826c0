-- Characters as inventory knows them: a read model of player's CharacterCreated
-- and CharacterDeleted events, used to check that a caller owns a character.
CREATE TABLE characters (
  character_id uuid PRIMARY KEY,
  player_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Kept as a tombstone: a deleted character owns nothing any more.
  deleted_at timestamptz
);
CREATE INDEX characters_player ON characters (player_id);

-- One row per character with gold. It holds no balance: it is the row every
-- movement of that wallet locks (SELECT ... FOR UPDATE) before it reads the
-- balance from the ledger and writes its entries, so two spends cannot both
-- see the same balance.
CREATE TABLE wallets (
  character_id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The double-entry gold ledger, append-only. Each row moves `amount` from the
-- debit account to the credit account; an account's balance is the sum of its
-- credits minus the sum of its debits. Accounts: "wallet:<character id>",
-- "escrow:<hold id>", "mint" (where granted gold comes from) and "sink" (where
-- spent gold goes). Every movement touches exactly one wallet, whose balance
-- after the entry is kept in balance_after for statements.
CREATE TABLE ledger_entries (
  -- Insertion order; per wallet it is commit order, since movements of one wallet are serialised by its row lock.
  seq bigserial PRIMARY KEY,
  entry_id uuid NOT NULL UNIQUE,
  transaction_id uuid NOT NULL,
  kind smallint NOT NULL,
  debit_account text NOT NULL,
  credit_account text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  balance_after bigint NOT NULL CHECK (balance_after >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (debit_account <> credit_account)
);
CREATE INDEX ledger_entries_debit ON ledger_entries (debit_account, seq) INCLUDE (amount);
CREATE INDEX ledger_entries_credit ON ledger_entries (credit_account, seq) INCLUDE (amount);

-- Item stacks: one per character and item definition. quantity counts every
-- item of the stack, held_quantity the part locked in escrow.
CREATE TABLE item_stacks (
  item_id uuid PRIMARY KEY,
  character_id uuid NOT NULL,
  definition_id text NOT NULL,
  quantity bigint NOT NULL CHECK (quantity > 0),
  held_quantity bigint NOT NULL DEFAULT 0 CHECK (held_quantity >= 0 AND held_quantity <= quantity),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (character_id, definition_id)
);

-- Escrow holds: assets of one character locked for a trade until they are
-- released back or transferred to another character.
CREATE TABLE escrow_holds (
  hold_id uuid PRIMARY KEY,
  character_id uuid NOT NULL,
  gold bigint NOT NULL CHECK (gold >= 0),
  status text NOT NULL CHECK (status IN ('held', 'released', 'transferred')),
  to_character_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  settled_at timestamptz,
  CHECK ((status = 'transferred') = (to_character_id IS NOT NULL))
);
CREATE INDEX escrow_holds_open ON escrow_holds (character_id) WHERE status = 'held';

CREATE TABLE escrow_hold_items (
  hold_id uuid NOT NULL REFERENCES escrow_holds (hold_id),
  item_id uuid NOT NULL,
  definition_id text NOT NULL,
  quantity bigint NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (hold_id, item_id)
);

-- Idempotency of mutations: the first call with a key stores a hash of its
-- arguments and its response; a retry with the same arguments gets that
-- response back and moves nothing, other arguments are refused.
CREATE TABLE idempotency_keys (
  idempotency_key text PRIMARY KEY,
  request_hash text NOT NULL,
  response bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
