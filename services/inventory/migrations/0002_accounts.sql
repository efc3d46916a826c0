-- Balances become O(1). Until now every balance read summed the account's
-- whole ledger history, under the wallet's lock, so each movement got slower
-- with every entry before it; a hot account (a guild bank many members pay
-- into) would have serialised on ever longer sums.

-- One row per account that holds gold for someone and must never go below
-- zero: a character's wallet "wallet:<character id>" or a guild's bank
-- "guild:<guild id>". It is both the lock and the running balance: a movement
-- changes the balance with the statement that locks the row (a debit only
-- `WHERE balance >= amount`, so the check and the debit cannot interleave
-- with another), in the same transaction as its ledger entry. A movement
-- touching two accounts locks them in one global order, by account name, so
-- two movements between the same accounts in opposite directions cannot
-- deadlock. Every change to a character's items takes its wallet row too,
-- so a character's events reach the outbox in commit order.
-- The mint, the sink and escrow accounts have no row: the mint goes below
-- zero by design and every grant would queue on it, the sink only grows, and
-- an escrow account's balance is its hold's gold while the hold is open.
CREATE TABLE accounts (
  account text PRIMARY KEY CHECK (account LIKE 'wallet:%' OR account LIKE 'guild:%'),
  balance bigint NOT NULL CHECK (balance >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Each side of an entry now carries its own balance afterwards, so a listing
-- of either account (a wallet paying into a guild bank, the bank itself)
-- shows that account's balance. NULL exactly for the sides without a row
-- in accounts (mint, sink, escrow).
ALTER TABLE ledger_entries
  ADD COLUMN debit_balance_after bigint CHECK (debit_balance_after >= 0),
  ADD COLUMN credit_balance_after bigint CHECK (credit_balance_after >= 0);

-- Until now every entry touched exactly one wallet, whose balance was balance_after.
UPDATE ledger_entries SET
  debit_balance_after = CASE WHEN debit_account LIKE 'wallet:%' THEN balance_after END,
  credit_balance_after = CASE WHEN credit_account LIKE 'wallet:%' THEN balance_after END;

ALTER TABLE ledger_entries
  DROP COLUMN balance_after,
  ADD CONSTRAINT ledger_entries_debit_balance CHECK ((debit_balance_after IS NOT NULL) = (debit_account LIKE 'wallet:%' OR debit_account LIKE 'guild:%')),
  ADD CONSTRAINT ledger_entries_credit_balance CHECK ((credit_balance_after IS NOT NULL) = (credit_account LIKE 'wallet:%' OR credit_account LIKE 'guild:%'));

-- The balances the ledger says, once; from here on they move with it.
INSERT INTO accounts (account, balance)
SELECT account, sum(delta) FROM (
  SELECT credit_account AS account, amount AS delta FROM ledger_entries WHERE credit_account LIKE 'wallet:%' OR credit_account LIKE 'guild:%'
  UNION ALL
  SELECT debit_account, -amount FROM ledger_entries WHERE debit_account LIKE 'wallet:%' OR debit_account LIKE 'guild:%'
) moves
GROUP BY account;

-- Wallets that were locked (an item moved) but never held gold.
INSERT INTO accounts (account, balance)
SELECT 'wallet:' || character_id, 0 FROM wallets
ON CONFLICT (account) DO NOTHING;

DROP TABLE wallets;

-- The ledger is the history: entries are appended, never changed or removed
-- (a correction is a new entry). Refused here, whoever asks.
CREATE FUNCTION ledger_entries_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_entries is append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_refuse_change();
