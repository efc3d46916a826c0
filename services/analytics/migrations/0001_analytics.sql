-- The event history: every event analytics consumed, as it arrived, written
-- in the inbox transaction that consumed it. Rebuilds replay this table, not
-- the Kafka topics: a topic keeps its events only for its retention time, a
-- fresh consumer group would also read events the live path never counted
-- (dead-lettered, or from before analytics existed) in another order, and
-- replaying here needs no broker. `seq` is the order the live path applied
-- them in, which a rebuild follows.
CREATE TABLE analytics_facts (
  seq bigserial PRIMARY KEY,
  event_id text NOT NULL UNIQUE,
  event_type text NOT NULL,
  -- ce_time: when the event has no time of its own.
  event_time timestamptz NOT NULL,
  payload bytea NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);

-- Which generation of the aggregates queries read. A rebuild fills the next
-- generation beside it and moves this pointer in the transaction that ends it.
CREATE TABLE analytics_generation (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  generation integer NOT NULL
);
INSERT INTO analytics_generation (generation) VALUES (1);

-- SUM and MEAN metrics: per hour and combination of dimension values, the
-- sum of the contributions and how many there were. Integers, so the order
-- in which they were added never changes the result.
CREATE TABLE analytics_sums (
  generation integer NOT NULL,
  metric text NOT NULL,
  bucket_hour timestamptz NOT NULL,
  dimensions jsonb NOT NULL,
  value bigint NOT NULL,
  samples bigint NOT NULL,
  PRIMARY KEY (generation, metric, bucket_hour, dimensions)
);

-- DISTINCT metrics: who contributed in which hour, so a day (or a range)
-- counts each member once.
CREATE TABLE analytics_members (
  generation integer NOT NULL,
  metric text NOT NULL,
  bucket_hour timestamptz NOT NULL,
  dimensions jsonb NOT NULL,
  member text NOT NULL,
  PRIMARY KEY (generation, metric, bucket_hour, dimensions, member)
);

-- What one event leaves for a later one to read (a cast's spell for its
-- defeat, when a character queued for the match found later), per
-- generation, so a rebuild sees them as the live path did at that point.
CREATE TABLE analytics_lookups (
  generation integer NOT NULL,
  namespace text NOT NULL,
  key text NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (generation, namespace, key)
);

-- Rebuilds: their progress, polled by operators (GetRebuild), and the cursor
-- the job that runs them resumes from after a crash.
CREATE TABLE analytics_rebuilds (
  rebuild_id uuid PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
  generation integer NOT NULL,
  -- Facts with seq <= snapshot_seq were all committed when it started; the rest are replayed at the end under a lock.
  snapshot_seq bigint NOT NULL,
  cursor_seq bigint NOT NULL DEFAULT 0,
  events_total bigint NOT NULL,
  events_replayed bigint NOT NULL DEFAULT 0,
  start_time timestamptz NOT NULL DEFAULT now(),
  finish_time timestamptz,
  failure_message text NOT NULL DEFAULT ''
);
-- At most one runs: a second StartRebuild loses this race in PostgreSQL, not in memory.
CREATE UNIQUE INDEX analytics_rebuilds_one_running ON analytics_rebuilds (state) WHERE state = 'running';
