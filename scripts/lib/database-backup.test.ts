import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { CombatService } from "@chaos/gen/chaos/combat/v1/combat_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { CharacterKind } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { Board } from "@chaos/gen/chaos/progression/v1/progress_pb.js";
import { ProgressionService } from "@chaos/gen/chaos/progression/v1/progression_service_pb.js";
import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import { TradeState } from "@chaos/gen/chaos/trading/v1/trade_pb.js";
import { TradingService } from "@chaos/gen/chaos/trading/v1/trading_service_pb.js";
import { createHero, type Hero } from "../../services/trading/test/heroes.js";
import { signUp } from "../test/players.js";
import { useStack } from "../test/stack.js";
import { eventually } from "../test/topic-events.js";
import { backupDatabases, readBackup, restoreDatabases } from "./database-backup.js";
import { rebuildReadModels } from "./read-models.js";

const services = ["identity", "player", "inventory", "trading", "combat", "progression"];
const stack = useStack(services);
const trading = () => stack.operator.client(TradingService, "trading");
const identity = () => stack.operator.client(IdentityService, "identity");
const goldOf = async (hero: Hero) => (await stack.operator.client(InventoryService, "inventory").getWallet({ characterId: hero.characterId }, hero.player.asPlayer)).wallet?.balance;

const progression = () => stack.operator.client(ProgressionService, "progression");

/** One fireball of `hero` at a training dummy (after its cooldown), and the experience progression then counts for it. */
async function castAndCount(hero: Hero, experienceBefore: bigint): Promise<bigint> {
  const { characters } = await stack.operator.client(PlayerService, "player").listCharactersInZone({ zoneId: "ember_plains", pageSize: 100 }, hero.player.asPlayer);
  const dummy = characters.find((c) => c.kind === CharacterKind.TRAINING_TARGET && !c.defeated)!;
  await eventually(
    () => stack.operator.client(CombatService, "combat").castSpell({ casterCharacterId: hero.characterId, spellId: "fireball", targetId: dummy.characterId, idempotencyKey: "" }, hero.player.asPlayer).then(() => true, () => false),
    (cast) => cast,
  );
  const { progress } = await eventually(() => progression().getProgress({ characterId: hero.characterId }, hero.player.asPlayer).catch(() => ({ progress: undefined })), (r) => (r.progress?.experience ?? 0n) > experienceBefore);
  return progress!.experience;
}

/** The character's score on the experience leaderboard (the read model in Redis). */
async function boardScore(hero: Hero): Promise<bigint | undefined> {
  const answer = await progression().getLeaderboardRank({ board: Board.LEVEL, characterId: hero.characterId }, hero.player.asPlayer).catch(() => undefined);
  return answer?.entry?.score;
}

/** Alice gives 10 gold for one of Bob's potions; the settled trade. */
async function trade(alice: Hero, bob: Hero, key: string) {
  const { items } = await stack.operator.client(InventoryService, "inventory").listItems({ characterId: bob.characterId }, bob.player.asPlayer);
  const { trade: offered } = await trading().proposeTrade(
    { proposerCharacterId: alice.characterId, counterpartyCharacterId: bob.characterId, offer: { gold: 10n }, request: { items: [{ itemId: items[0]!.itemId, quantity: 1n }] }, idempotencyKey: key },
    alice.player.asPlayer,
  );
  const { trade: settled } = await trading().acceptTrade({ tradeId: offered!.tradeId }, bob.player.asPlayer);
  expect(settled?.state).toBe(TradeState.SETTLED);
  return settled!;
}

describe("restore drill: back up, play on, lose the databases, restore", () => {
  it("brings the world back as it was at the backup, and the services serve it again", { timeout: 180_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-backup-"));
    try {
      // Play: two players, a settled trade.
      const [alice, bob, dave] = await Promise.all([createHero(stack), createHero(stack), createHero(stack)]);
      const first = await trade(alice, bob, "drill-1");
      // Dave casts: experience in progression's database, his score on the leaderboard in Redis.
      const experienceAtBackup = await castAndCount(dave, 0n);
      expect(await eventually(() => boardScore(dave), (score) => score === experienceAtBackup)).toBe(experienceAtBackup);

      const backupBegan = Date.now();
      const manifest = await backupDatabases(services.map((service) => ({ service, url: stack.databaseUrl(service) })), dir);
      const backupSeconds = (Date.now() - backupBegan) / 1000;
      expect(readBackup(dir).databases.map((d) => d.service)).toEqual([...services].sort());

      // Play on: a second trade, and a newcomer.
      const second = await trade(alice, bob, "drill-2");
      const carol = await signUp(stack);
      expect(await goldOf(alice)).toBe(80n);
      const experienceLater = await castAndCount(dave, experienceAtBackup);
      expect(await eventually(() => boardScore(dave), (score) => score === experienceLater)).toBe(experienceLater);

      // Lose every database, with the services stopped, then restore them and start the services again.
      await Promise.all(services.map((service) => stack.processes.get(service)!.stop("SIGTERM")));
      const admin = new pg.Client(inject("infra").postgresAdminUrl);
      await admin.connect();
      try {
        for (const { database } of manifest.databases) await admin.query(`DROP DATABASE ${pg.escapeIdentifier(database)} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
      const restoreBegan = Date.now();
      const restored = await restoreDatabases(dir, inject("infra").postgresAdminUrl);
      const restoreSeconds = (Date.now() - restoreBegan) / 1000;
      for (const service of services) await stack.restart(service);

      // As at the backup: the first trade and its gold, not the second; the newcomer never registered.
      expect(await goldOf(alice)).toBe(90n);
      expect(await goldOf(bob)).toBe(110n);
      expect((await trading().getTrade({ tradeId: first.tradeId }, alice.player.asPlayer)).trade?.state).toBe(TradeState.SETTLED);
      const lost = await trading().getTrade({ tradeId: second.tradeId }, alice.player.asPlayer).catch((error: unknown) => ConnectError.from(error));
      expect(lost).toMatchObject({ code: Code.NotFound });
      const newcomer = await identity().login({ email: carol.email, password: carol.password, userAgent: "vitest" }).catch((error: unknown) => ConnectError.from(error));
      expect(newcomer).toMatchObject({ code: Code.Unauthenticated });
      // Dave's experience is as at the backup; the leaderboard in Redis still ranks the later score until the read
      // models are rebuilt from the restored history (what npm start does after npm run restore).
      expect((await progression().getProgress({ characterId: dave.characterId }, dave.player.asPlayer)).progress?.experience).toBe(experienceAtBackup);
      expect(await boardScore(dave)).toBe(experienceLater);
      const rebuilt = await rebuildReadModels(stack.operator, services);
      expect(rebuilt.map((r) => r.readModel)).toEqual(["leaderboard level", "leaderboard defeats", "leaderboard achievement_points"]);
      expect(await boardScore(dave)).toBe(experienceAtBackup);
      // And the restored world is served and plays on: Alice logs in, and trades again.
      expect((await identity().login({ email: alice.player.email, password: alice.player.password, userAgent: "vitest" })).tokens?.accessToken).toBeTruthy();
      await trade(alice, bob, "drill-3");
      expect(await goldOf(alice)).toBe(80n);

      console.log(
        `restore drill: ${JSON.stringify({
          databases: manifest.databases.map((d) => ({ service: d.service, kib: Math.round(d.bytes / 1024), dumpSeconds: d.seconds, restoreSeconds: restored[d.service] })),
          backupSeconds,
          restoreSeconds,
          readModelsRebuilt: rebuilt,
        })}`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
