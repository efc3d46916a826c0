-- A wallet's debt: gold a clawback (a refunded or charged-back purchase)
-- could not take because the player had spent it. It lives on the wallet's
-- row in accounts, the row every movement of that wallet locks, so income
-- and its repayment are decided under the same lock as the balance. The
-- balance still never goes below zero: the debt is owed, not overdrawn.
ALTER TABLE accounts ADD COLUMN debt bigint NOT NULL DEFAULT 0 CHECK (debt >= 0);
ALTER TABLE accounts ADD CONSTRAINT accounts_debt_wallets_only CHECK (debt = 0 OR account LIKE 'wallet:%');
