import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, eventTableMigrations, migrate, readMigrations, type Database } from "@chaos/mesh";
import { createTestDatabase } from "../../../scripts/test/test-database.js";
import { createCaptures, type Captures } from "../core/captures.js";
import { createTickClock } from "../core/tick-clock.js";
import { createZones } from "../core/zones.js";
import { createWorldStore, type PgWorldStore } from "../store/world-store.js";

// The capture flow over world's real store, its clock moved by hand: ticks run when the test says, with no timer
// and no sleeping. (The service tests show the timer doing the same in the running process.)

const migrations = [...eventTableMigrations, ...readMigrations(fileURLToPath(new URL("../migrations", import.meta.url)))];
const tickMs = 1_000;
const rules = { gainPerMember: 10, maxGainPerTick: 30, contestedDecayPerMember: 5, absentDecay: 10 };
/** Streams are not under test here: the live notices go nowhere. */
const live = { changed: async () => undefined };
const admin = { admin: true, accountId: "" };

let created: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Database;
let store: PgWorldStore;
let nowMs = 1_800_000_000_000;
const clock = createTickClock(tickMs, () => new Date(nowMs));
let captures: Captures;
/** Moves the clock on by `n` ticks and returns the tick it is in then. */
const later = (n = 1) => {
  nowMs += n * tickMs;
  return clock.tickAt();
};

beforeAll(async () => {
  created = await createTestDatabase(inject("infra").postgresAdminUrl);
  db = createDatabase(created.url);
  await migrate(db.pool, migrations);
  store = createWorldStore(db, "spiffe://chaos.world/ns/chaos/sa/world");
  await store.syncCatalogue({
    zones: ["alpha", "beta"].map((zoneId) => ({
      zoneId,
      name: zoneId,
      bounds: { minX: 0, minY: 0, maxX: 100, maxY: 100 },
      minLevel: 1,
      maxLevel: 10,
      pvp: false,
      // Side by side: one is x in [0, 10), two [10, 20), three [20, 30).
      territories: ["one", "two", "three"].map((t, i) => ({ territoryId: `${zoneId}_${t}`, name: t, bounds: { minX: i * 10, minY: 0, maxX: i * 10 + 10, maxY: 10 } })),
    })),
  });
  captures = createCaptures(store, { clock, rules, live });
});
afterAll(async () => {
  await db?.close();
  await created?.drop();
});

/** A guild of `n` characters standing at (x, 5) of a zone. */
async function guild(n: number, zoneId: string, x: number) {
  const guildId = randomUUID();
  const members = Array.from({ length: n }, () => ({ characterId: randomUUID(), playerId: randomUUID() }));
  await store.transaction(async (tx) => {
    for (const m of members) {
      await tx.recordCharacter({ ...m, position: { zoneId, x, y: 5 } });
      await tx.joinGuild(m.characterId, guildId);
    }
  });
  return { guildId, members };
}

const startBy = (member: { characterId: string; playerId: string }, territoryId: string) =>
  captures.start(member.playerId, { captureId: randomUUID(), characterId: member.characterId, territoryId });

const progressOf = async (territoryId: string) => (await store.territory(territoryId))!.contest?.contenders.map((c) => [c.guildId, c.progress]);

const eventsOf = async (territoryId: string) =>
  (await db.pool.query<{ type: string }>("SELECT headers->>'ce_type' AS type FROM mesh_outbox WHERE partition_key = $1 ORDER BY id", [territoryId])).rows.map((r) => r.type);

describe("capture ticks", () => {
  it("apply once per capture: the same tick again, or an older one, changes nothing", async () => {
    const a = await guild(3, "alpha", 5);
    const b = await guild(1, "alpha", 5);
    await startBy(b.members[0]!, "alpha_one");
    const first = later();
    expect(await captures.tick(first, { wait: true })).toEqual({ advanced: 1, decided: 0 });
    expect(await progressOf("alpha_one")).toEqual([[a.guildId, 30], [b.guildId, 10]]);
    const revision = (await store.territory("alpha_one"))!.revision;

    expect(await captures.tick(first, { wait: true })).toEqual({ advanced: 0, decided: 0 });
    expect(await captures.tick(first - 1, { wait: true })).toEqual({ advanced: 0, decided: 0 });
    expect(await progressOf("alpha_one")).toEqual([[a.guildId, 30], [b.guildId, 10]]);
    expect((await store.territory("alpha_one"))!.revision).toBe(revision);

    for (let i = 0; i < 3; i++) await captures.tick(later(), { wait: true });
    expect(await store.territory("alpha_one")).toMatchObject({ controllerGuildId: a.guildId, contest: undefined, lastChange: "captured" });
    expect(await eventsOf("alpha_one")).toEqual(["chaos.world.v1.TerritoryContested", "chaos.world.v1.TerritoryCaptured"]);
  });

  it("run by two replicas at once apply once", async () => {
    const g = await guild(2, "alpha", 15);
    await startBy(g.members[0]!, "alpha_two");
    const tick = later();
    const [one, two] = await Promise.all([captures.tick(tick, { wait: true }), captures.tick(tick, { wait: true })]);
    // The first test's contest is decided: this one is the only one running.
    expect(one.advanced + two.advanced).toBe(1);
    expect(await progressOf("alpha_two")).toEqual([[g.guildId, 20]]);
    // The timer's way: a replica that finds the tick lock taken leaves the work to its holder.
    const skipped = await store.transaction(async (tx) => {
      await tx.lockTicks(true);
      return db.pool.connect().then(async (other) => {
        try {
          await other.query("BEGIN");
          return await store.within(other).lockTicks(false);
        } finally {
          await other.query("ROLLBACK");
          other.release();
        }
      });
    });
    expect(skipped).toBe(false);
  });

  it("are refused before their time", async () => {
    await expect(captures.tick(clock.tickAt() + 1, { wait: true })).rejects.toMatchObject({ metadata: { current_tick: String(clock.tickAt()) } });
  });

  it("end a contest nobody stays in without a winner", async () => {
    const g = await guild(1, "alpha", 25);
    await startBy(g.members[0]!, "alpha_three");
    await captures.tick(later(), { wait: true });
    expect(await progressOf("alpha_three")).toEqual([[g.guildId, 10]]);
    await store.transaction((tx) => tx.moveCharacter(g.members[0]!.characterId, { zoneId: "alpha", x: 50, y: 50 }));
    await captures.tick(later(), { wait: true });
    expect(await store.territory("alpha_three")).toMatchObject({ controllerGuildId: undefined, contest: undefined, lastChange: "abandoned" });
    expect(await eventsOf("alpha_three")).toEqual(["chaos.world.v1.TerritoryContested"]);
  });

  it("find nothing to do in a zone that closed: its contests ended with it", async () => {
    const g = await guild(3, "beta", 5);
    await startBy(g.members[0]!, "beta_one");
    const zones = createZones(store, { clock, live });
    await zones.close(admin, "beta", "maintenance");
    const closed = await store.territory("beta_one");
    expect(closed).toMatchObject({ controllerGuildId: undefined, contest: undefined, lastChange: "abandoned" });
    await captures.tick(later(), { wait: true });
    expect((await store.territory("beta_one"))!.revision).toBe(closed!.revision);
    // Closing again is no change and no second event.
    await zones.close(admin, "beta", "maintenance");
    const zoneEvents = await db.pool.query<{ type: string }>("SELECT headers->>'ce_type' AS type FROM mesh_outbox WHERE partition_key = 'beta' ORDER BY id");
    expect(zoneEvents.rows.map((r) => r.type)).toEqual(["chaos.world.v1.ZoneClosed"]);
    await zones.open(admin, "beta");
  });
});
