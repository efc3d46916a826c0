-- Characters and their owners, from player's events: an order's receiver must be the buyer's own.
CREATE TABLE characters (
  character_id uuid PRIMARY KEY,
  player_id uuid NOT NULL,
  deleted_at timestamptz
);

-- One purchase of one gold pack. A retried CreateOrder finds its order by (account, key).
CREATE TABLE orders (
  order_id uuid PRIMARY KEY,
  account_id uuid NOT NULL,
  character_id uuid NOT NULL,
  product_id text NOT NULL,
  gold bigint NOT NULL CHECK (gold > 0),
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  currency text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'paid', 'fulfilled', 'failed', 'expired', 'refund_pending', 'refunded', 'charged_back')),
  idempotency_key text NOT NULL,
  checkout_session_id text UNIQUE,
  checkout_url text NOT NULL DEFAULT '',
  payment_id text UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  -- Set once, when inventory confirmed the grant: the gold arrived exactly once.
  fulfilled_at timestamptz,
  UNIQUE (account_id, idempotency_key)
);
CREATE INDEX orders_by_account ON orders (account_id, created_at DESC, order_id DESC);
CREATE INDEX orders_pending_by_account ON orders (account_id) WHERE state = 'pending';

-- A refund or chargeback of an order, and its clawback saga's progress. One per order.
CREATE TABLE refunds (
  refund_id uuid PRIMARY KEY,
  order_id uuid NOT NULL UNIQUE REFERENCES orders,
  account_id uuid NOT NULL,
  character_id uuid NOT NULL,
  origin text NOT NULL CHECK (origin IN ('player', 'provider', 'chargeback')),
  state text NOT NULL CHECK (state IN ('requested', 'clawing_back', 'completed', 'rejected')),
  reason text NOT NULL,
  gold bigint NOT NULL,
  gold_recovered bigint NOT NULL DEFAULT 0,
  debt_recorded bigint NOT NULL DEFAULT 0,
  decision_note text NOT NULL DEFAULT '',
  provider_event_id text NOT NULL DEFAULT '',
  -- Set once the provider confirmed it returned the money (a player's refund is asked of it by the saga).
  provider_refunded_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_by_account ON refunds (account_id, created_at DESC, refund_id DESC);
CREATE INDEX refunds_by_state ON refunds (state, created_at DESC, refund_id DESC);

-- Every verified provider event, by its id: the dedupe of at-least-once
-- deliveries, and the parking place of an event that came before the one it
-- depends on (waiting_for: the payment it is about), applied when that one is.
CREATE TABLE provider_events (
  event_id text PRIMARY KEY,
  type text NOT NULL,
  body text NOT NULL,
  status text NOT NULL CHECK (status IN ('applied', 'parked', 'ignored')),
  waiting_for text,
  received_at timestamptz NOT NULL DEFAULT now(),
  applied_at timestamptz
);
CREATE INDEX provider_events_parked ON provider_events (waiting_for) WHERE status = 'parked';
