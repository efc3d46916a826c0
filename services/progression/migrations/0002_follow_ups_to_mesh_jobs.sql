-- Follow-ups are jobs of the mesh's queue now (mesh_jobs, from jobQueueMigrations,
-- applied before this file). Pending ones move there with their key, kind,
-- attempts and due time, so a deployed database loses none: one that a worker
-- of the previous version held is due again when that worker's lease ends,
-- and done again harmlessly (every follow-up is idempotent on the other side).
INSERT INTO mesh_jobs (job_key, kind, payload, attempts, due_at, last_error)
SELECT follow_up_key,
       kind,
       CASE kind
         WHEN 'leaderboard' THEN jsonb_build_object('characterId', character_id::text)
         ELSE jsonb_build_object('characterId', character_id::text, 'level', level)
       END,
       attempts,
       due_at,
       last_error
FROM follow_ups;

DROP TABLE follow_ups;
