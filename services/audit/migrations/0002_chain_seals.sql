-- How far each chain was sealed (AuditChainSealed published): the sealer
-- publishes the heads that moved past it and moves it, in one transaction.
ALTER TABLE audit_chain_heads ADD COLUMN sealed_sequence bigint NOT NULL DEFAULT 0;
