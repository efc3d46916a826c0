import { describe, expect, it } from "vitest";
import type { QueueConfig } from "../core/queue-config.js";
import type { MatchRecord, TicketRecord } from "../core/matchmaking-records.js";
import { ratingWindowAt } from "../core/rating-window.js";
import { storeWorld } from "./store-world.js";

// Rounds over the real store with a hand-moved clock: what the matcher promises must hold for matches
// formed in PostgreSQL, round after round, while tickets keep arriving.

const duel: QueueConfig = { id: "ranked-1v1", teamSize: 1, ranked: true, initialWindow: 1, widenPerSecond: 0.25, maxWindow: 8, maxTeamGap: 8, maxLatencyMs: 200 };
const arena: QueueConfig = { id: "ranked-3v3", teamSize: 3, ranked: true, initialWindow: 1.5, widenPerSecond: 0.25, maxWindow: 10, maxTeamGap: 1.5, maxLatencyMs: 200 };
const queues = [duel, arena];
// Nothing expires here: a ticket is in at most one match, so "nobody in two matches" is exact.
const world = storeWorld({ queues, readyCheckMs: 3_600_000 });

/** A deterministic spread of ratings (a linear congruential generator): the same 1,000 tickets every run. */
function lcg(seed: number) {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

describe("matching rounds over PostgreSQL", () => {
  it("forms matches from 1,000 queued tickets in which every match keeps the window in force at its forming, the teams' gap bound and one region, and nobody plays twice", async () => {
    const { rounds, tickets, store } = world.flows;
    const first = await rounds.run();
    const season = first.season!.number;
    const random = lcg(42);
    const regions = ["eu", "na", "asia"];
    const queued: TicketRecord[] = [];
    const formed: { match: MatchRecord; at: Date }[] = [];
    // 1,000 tickets arriving over 100 simulated seconds (10 a second), a round every second; then 60 more seconds of rounds.
    for (let second = 0; second < 160; second++) {
      for (let k = 0; second < 100 && k < 10; k++) {
        const arenaTicket = random() < 0.5;
        const partySize = arenaTicket ? [1, 1, 1, 2, 3][Math.floor(random() * 5)]! : 1;
        // Ratings from 5 to 45, crowded around 25 (the mean of three uniforms).
        const mu = 5 + 40 * ((random() + random() + random()) / 3);
        const queue = arenaTicket ? arena : duel;
        const { playerId, characterIds } = await world.characters(partySize, { queueId: queue.id, seasonNumber: season, mu: () => mu + (random() - 0.5) });
        queued.push(
          await tickets.join({ playerId, characterId: characterIds[0]!, partyCharacterIds: characterIds.slice(1), queueId: queue.id, region: regions[Math.floor(random() * 3)]!, latencyMs: 40 }),
        );
      }
      const report = await rounds.run();
      expect(report.ran).toBe(true);
      for (const match of report.formed) formed.push({ match, at: world.now() });
      world.advance(1_000);
    }
    expect(queued).toHaveLength(1_000);
    const byTicket = new Map(queued.map((t) => [t.ticketId, t]));
    const seen = new Set<string>();
    for (const { match, at } of formed) {
      const queue = queues.find((q) => q.id === match.queueId)!;
      const matchTickets = [...new Set(match.players.map((p) => p.ticketId))].map((id) => byTicket.get(id)!);
      const ratings = matchTickets.map((t) => t.rating);
      const windowAtForming = Math.min(...matchTickets.map((t) => ratingWindowAt(queue, t.enqueuedAt, at)));
      expect(Math.max(...ratings) - Math.min(...ratings)).toBeLessThanOrEqual(windowAtForming + 1e-9);
      expect(match.window).toBeCloseTo(windowAtForming, 9);
      expect(Math.abs(match.teamMeans[0]! - match.teamMeans[1]!)).toBeLessThanOrEqual(queue.maxTeamGap + 1e-9);
      expect(new Set(matchTickets.map((t) => t.region))).toEqual(new Set([match.region]));
      for (const team of [0, 1]) expect(match.players.filter((p) => p.teamIndex === team)).toHaveLength(queue.teamSize);
      for (const p of match.players) {
        expect(seen.has(p.characterId), `${p.characterId} is in two matches`).toBe(false);
        seen.add(p.characterId);
      }
      // A party is never split.
      for (const t of matchTickets) expect(new Set(match.players.filter((p) => p.ticketId === t.ticketId).map((p) => p.teamIndex)).size).toBe(1);
    }
    // Most of the queue found a match; what is left is the edges of the rating curve and odd party sizes.
    expect(seen.size).toBeGreaterThan(0.8 * queued.reduce((n, t) => n + t.characterIds.length, 0));
    // What PostgreSQL kept is what the rounds formed, and no character is in two stored matches.
    const stored = await Promise.all(formed.map(({ match }) => store.match(match.matchId)));
    expect(stored.map((m) => [m!.teamMeans, m!.window, m!.players.length])).toEqual(formed.map(({ match }) => [match.teamMeans, match.window, match.players.length]));
    const storedPlayers = stored.flatMap((m) => m!.players.map((p) => p.characterId));
    expect(new Set(storedPlayers).size).toBe(storedPlayers.length);
  }, 240_000);

  it("lets a second replica's round wait its turn: only the holder of the round lock forms matches", async () => {
    const { rounds, store } = world.flows;
    const other = await store.transaction(async (tx) => {
      expect(await tx.tryRoundLock()).toBe(true);
      return rounds.run();
    });
    expect(other).toMatchObject({ ran: false, formed: [] });
  });
});
