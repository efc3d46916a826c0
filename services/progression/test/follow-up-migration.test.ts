import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, createLogger, eventTableMigrations, jobQueueMigrations, migrate, readMigrations, startJobWorker, type Database } from "@chaos/mesh";
import { createTestDatabase } from "../../../scripts/test/test-database.js";
import { createFollowUpHandlers } from "../core/follow-ups.js";
import type { Leaderboards } from "../core/leaderboards.js";

// The order runService applies them in: the mesh's tables, then progression's files.
const migrations = [...eventTableMigrations, ...jobQueueMigrations, ...readMigrations(fileURLToPath(new URL("../migrations", import.meta.url)))];
const beforeMeshJobs = migrations.filter((m) => m.name !== "0002_follow_ups_to_mesh_jobs.sql");

let created: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Database;
beforeAll(async () => {
  created = await createTestDatabase(inject("infra").postgresAdminUrl);
  db = createDatabase(created.url);
});
afterAll(async () => {
  await db?.close();
  await created?.drop();
});

describe("progression's follow_ups moving to the mesh's job queue (a deployed database)", () => {
  it("keeps every pending follow-up, which then runs with what it needs", async () => {
    await migrate(db.pool, beforeMeshJobs);
    const hero = randomUUID();
    // As the previous version left them: one due, one held by its worker, one failing.
    await db.pool.query(
      `INSERT INTO follow_ups (follow_up_key, kind, character_id, level, attempts, due_at, last_error) VALUES
         ($1, 'leaderboard', $4, 0, 0, now(), NULL),
         ($2, 'level_reward', $4, 3, 2, now() + interval '1 second', 'inventory unavailable'),
         ($3, 'set_level', $4, 3, 0, now(), NULL)`,
      [`leaderboard:${hero}`, `level_reward:${hero}:3`, `set_level:${hero}`, hero],
    );

    expect(await migrate(db.pool, migrations)).toEqual(["0002_follow_ups_to_mesh_jobs.sql"]);
    const { rows: moved } = await db.pool.query("SELECT job_key, kind, payload, attempts, last_error FROM mesh_jobs ORDER BY job_key");
    expect(moved).toEqual([
      { job_key: `leaderboard:${hero}`, kind: "leaderboard", payload: { characterId: hero }, attempts: 0, last_error: null },
      { job_key: `level_reward:${hero}:3`, kind: "level_reward", payload: { characterId: hero, level: 3 }, attempts: 2, last_error: "inventory unavailable" },
      { job_key: `set_level:${hero}`, kind: "set_level", payload: { characterId: hero, level: 3 }, attempts: 0, last_error: null },
    ]);
    const { rows: tables } = await db.pool.query("SELECT to_regclass('follow_ups') AS follow_ups");
    expect(tables).toEqual([{ follow_ups: null }]);

    const done: string[] = [];
    const worker = await startJobWorker({
      pool: db.pool,
      logger: createLogger("progression-migration-test", "silent"),
      pollIntervalMs: 50,
      handlers: createFollowUpHandlers({
        leaderboards: { refresh: async (characterId: string) => void done.push(`refresh ${characterId}`) } as Partial<Leaderboards> as Leaderboards,
        rewards: { grantGold: async (characterId, amount, key) => void done.push(`grant ${amount} to ${characterId} as ${key}`) },
        levels: { setLevel: async (characterId, level) => void done.push(`level ${level} for ${characterId}`) },
        goldPerLevel: 50,
      }),
    });
    try {
      const deadline = Date.now() + 10_000;
      while (done.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await worker.stop();
    }
    expect(done.sort()).toEqual([`grant 150 to ${hero} as level:${hero}:3`, `level 3 for ${hero}`, `refresh ${hero}`]);
  });
});
