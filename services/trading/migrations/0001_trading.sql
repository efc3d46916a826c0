-- Characters as trading knows them: a read model of player's CharacterCreated
-- and CharacterDeleted events, to check who owns a character, show its name
-- on offers, and refuse offers to or from a deleted one without a call.
CREATE TABLE characters (
  character_id uuid PRIMARY KEY,
  player_id text NOT NULL,
  name text NOT NULL,
  -- Kept as a tombstone: a deleted character can no longer trade.
  deleted_at timestamptz
);

-- One row per trade: the offer and the saga's persisted state. The saga
-- (core/settlement.ts) reads where it is from this row after any crash, and
-- every step moves `state` forward with a compare-and-set on it.
CREATE TABLE trades (
  trade_id uuid PRIMARY KEY,
  proposer_character_id uuid NOT NULL,
  proposer_player_id text NOT NULL,
  proposer_name text NOT NULL,
  counterparty_character_id uuid NOT NULL,
  counterparty_player_id text NOT NULL,
  counterparty_name text NOT NULL,
  -- TradeAssets of each side as JSON: {"gold": "10", "items": [{"itemId", "quantity", "definitionId", "displayName"}]}.
  offer jsonb NOT NULL,
  request jsonb NOT NULL,
  state text NOT NULL CHECK (state IN ('proposed', 'accepted', 'escrowed', 'settled', 'declined', 'cancelled', 'expired', 'compensating', 'compensated')),
  -- The proposer's key: a retried ProposeTrade finds its first trade by it; request_hash tells a retry from a reuse.
  idempotency_key text NOT NULL,
  request_hash text NOT NULL,
  -- Escrow holds in inventory, once placed (the saga's progress).
  proposer_hold_id uuid,
  counterparty_hold_id uuid,
  -- Why the saga compensated: a trading ErrorReason number and a readable message; failed_side is the side whose assets were refused.
  failure_reason integer,
  failure_message text,
  failed_side text CHECK (failed_side IN ('proposer', 'counterparty')),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz,
  UNIQUE (proposer_character_id, idempotency_key),
  CHECK (proposer_character_id <> counterparty_character_id)
);
CREATE INDEX trades_by_proposer ON trades (proposer_character_id, created_at DESC, trade_id DESC);
CREATE INDEX trades_by_counterparty ON trades (counterparty_character_id, created_at DESC, trade_id DESC);
-- Open trades per character (the open-offers limit), and the ones a deleted character leaves behind.
CREATE INDEX trades_open_by_proposer ON trades (proposer_character_id) WHERE state IN ('proposed', 'accepted', 'escrowed', 'compensating');
CREATE INDEX trades_open_by_counterparty ON trades (counterparty_character_id) WHERE state IN ('proposed', 'accepted', 'escrowed', 'compensating');
