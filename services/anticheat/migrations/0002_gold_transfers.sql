-- The two halves of a gold transfer between players (inventory's SendGold:
-- GoldDebited from the giver, GoldCredited to the receiver, one transaction id,
-- keyed by different characters so either may come first); pruned with the rest.
CREATE TABLE transfer_halves (
  transaction_id text NOT NULL,
  side text NOT NULL CHECK (side IN ('debit', 'credit')),
  character_id text NOT NULL,
  amount bigint NOT NULL,
  moved_at timestamptz NOT NULL,
  PRIMARY KEY (transaction_id, side)
);
CREATE INDEX transfer_halves_by_time ON transfer_halves (moved_at);
