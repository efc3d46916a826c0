-- The append-only log. The service's runtime role may only SELECT and
-- INSERT here (the manifest's appendOnlyTables): no UPDATE, DELETE or
-- TRUNCATE, whatever the code does. Each row is one link of its partition's
-- hash chain (proto/chaos/audit/v1/audit_record.proto documents the form).
CREATE TABLE audit_records (
  partition text NOT NULL,
  sequence bigint NOT NULL CHECK (sequence >= 1),
  record_id uuid NOT NULL,
  occur_time timestamptz NOT NULL,
  record_time timestamptz NOT NULL,
  actor_kind text NOT NULL,
  actor_id text NOT NULL,
  action text NOT NULL,
  resource text NOT NULL,
  outcome text NOT NULL,
  source_ip text NOT NULL,
  user_agent text NOT NULL,
  trace_id text NOT NULL,
  source text NOT NULL,
  details jsonb NOT NULL,
  previous_hash text NOT NULL,
  hash text NOT NULL,
  PRIMARY KEY (partition, sequence),
  UNIQUE (record_id)
);

-- Listings are newest first by occur time; each filter has an index that
-- ends in that order.
CREATE INDEX audit_records_by_time ON audit_records (occur_time DESC, record_id DESC);
CREATE INDEX audit_records_by_actor ON audit_records (actor_id, occur_time DESC, record_id DESC);
CREATE INDEX audit_records_by_resource ON audit_records (resource, occur_time DESC, record_id DESC);
CREATE INDEX audit_records_by_action ON audit_records (action text_pattern_ops, occur_time DESC);

-- The end of each partition's chain. Appends lock their partition's row, so
-- two replicas (or two consumers) never give out one sequence twice; the
-- row also lets verification notice records cut off the end of a chain.
CREATE TABLE audit_chain_heads (
  partition text PRIMARY KEY,
  sequence bigint NOT NULL,
  hash text NOT NULL
);
