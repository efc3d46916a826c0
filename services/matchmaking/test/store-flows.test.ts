import { describe, expect, it } from "vitest";
import { ErrorReason } from "@chaos/gen/chaos/matchmaking/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { QueueConfig } from "../core/queue-config.js";
import type { MatchRecord, TicketRecord } from "../core/matchmaking-records.js";
import { storeWorld } from "./store-world.js";

// Results, seasons, parties in ready checks and backfill over the real store, the clock moved by hand to the edges.

const duel: QueueConfig = { id: "ranked-1v1", teamSize: 1, ranked: true, initialWindow: 2, widenPerSecond: 0.5, maxWindow: 10, maxTeamGap: 10, maxLatencyMs: 200 };
const arena: QueueConfig = { id: "casual-3v3", teamSize: 3, ranked: false, initialWindow: 4, widenPerSecond: 0.5, maxWindow: 10, maxTeamGap: 3, maxLatencyMs: 200 };
const world = storeWorld({ queues: [duel, arena], start: new Date("2026-11-30T23:58:00Z") });

const reason = (error: unknown) => (error instanceof DomainError ? error.reason : error);

/** Queues solos of `mu` each in `queue`, runs a round, and has everyone accept: a match handed to the game server. */
async function startedMatch(queue: QueueConfig, mus: readonly number[], region = "eu"): Promise<{ match: MatchRecord; playerId: string }> {
  const { tickets, rounds, readyCheck, standings } = world.flows;
  const { number } = (await standings.seasons())[0] ?? { number: 1 };
  const { playerId, characterIds } = await world.characters(mus.length, { queueId: queue.id, seasonNumber: queue.ranked ? number : 0, mu: (i) => mus[i]! });
  const queued: TicketRecord[] = [];
  for (const characterId of characterIds) queued.push(await tickets.join({ playerId, characterId, partyCharacterIds: [], queueId: queue.id, region, latencyMs: 30 }));
  const report = await rounds.run();
  const match = report.formed.find((m) => m.players.some((p) => p.ticketId === queued[0]!.ticketId))!;
  expect(match).toBeDefined();
  let accepted = match;
  for (const p of match.players) accepted = await readyCheck.accept(playerId, match.matchId, p.characterId);
  expect(accepted.status).toBe("allocating");
  return { match: accepted, playerId };
}

describe("results", () => {
  it("counts a result reported after a season boundary in the season the match was formed in", async () => {
    const { results, rounds, standings } = world.flows;
    await rounds.run();
    const { match } = await startedMatch(duel, [25, 26]);
    const formedIn = match.seasonNumber;
    // The boundary passes while the match is played; the next round opens the new season.
    world.set(new Date("2026-12-01T00:00:05Z"));
    const turned = await rounds.run();
    expect(turned.season!.number).toBe(formedIn + 1);
    const winner = match.players.find((p) => p.teamIndex === 0)!.characterId;
    expect(await results.report({ matchId: match.matchId, winningTeam: 0, draw: false, leavers: [] })).toEqual({ duplicate: false });

    const old = await standings.rating(winner, duel.id, formedIn);
    expect(old).toMatchObject({ seasonNumber: formedIn, wins: 1, losses: 0 });
    expect(old.rating.mu).toBeGreaterThan(25);
    // The new season starts everyone afresh: the late result is not in it.
    expect(await standings.rating(winner, duel.id, 0)).toMatchObject({ seasonNumber: formedIn + 1, wins: 0, rating: { mu: 25 } });
    expect((await standings.leaderboard(duel.id, formedIn, undefined, 10)).ratings.map((r) => r.characterId)).toContain(winner);
    expect((await standings.leaderboard(duel.id, 0, undefined, 10)).ratings).toEqual([]);
    expect((await standings.seasons()).map((s) => s.number)).toEqual([formedIn + 1, formedIn]);
  });

  it("rates a match exactly once: the same result again is a duplicate, a different one a conflict", async () => {
    const { results, standings } = world.flows;
    const { match } = await startedMatch(duel, [30, 30.5]);
    const result = { matchId: match.matchId, winningTeam: 1, draw: false, leavers: [] };
    expect(await results.report(result)).toEqual({ duplicate: false });
    expect(await results.report(result)).toEqual({ duplicate: true });
    expect(await results.report({ ...result, winningTeam: 0 }).catch(reason)).toBe(ErrorReason.RESULT_CONFLICT);
    const loser = match.players.find((p) => p.teamIndex === 0)!.characterId;
    expect(await standings.rating(loser, duel.id, 0)).toMatchObject({ wins: 0, losses: 1 });
  });

  it("rates once when the same result arrives five times at once (a game server's retries racing)", async () => {
    const { results, standings } = world.flows;
    const { match } = await startedMatch(duel, [40, 40]);
    const result = { matchId: match.matchId, winningTeam: 0, draw: false, leavers: [] };
    const answers = await Promise.all(Array.from({ length: 5 }, () => results.report(result)));
    expect(answers.filter((a) => !a.duplicate)).toHaveLength(1);
    const winner = match.players.find((p) => p.teamIndex === 0)!.characterId;
    expect(await standings.rating(winner, duel.id, 0)).toMatchObject({ wins: 1, losses: 0 });
  });

  it("refuses a winning team or leaver not in the match, and a match that does not exist", async () => {
    const { results } = world.flows;
    const { match } = await startedMatch(duel, [18, 18]);
    expect(await results.report({ matchId: match.matchId, winningTeam: 2, draw: false, leavers: [] }).catch(reason)).toBe(ErrorReason.INVALID_RESULT);
    expect(await results.report({ matchId: match.matchId, winningTeam: 0, draw: false, leavers: ["4f7a9a4e-5f1f-4a55-9a59-7b9e3f0b8c11"] }).catch(reason)).toBe(ErrorReason.INVALID_RESULT);
    expect(await results.report({ matchId: "4f7a9a4e-5f1f-4a55-9a59-7b9e3f0b8c11", winningTeam: 0, draw: false, leavers: [] }).catch(reason)).toBe(ErrorReason.MATCH_NOT_FOUND);
  });

  it("rates a leaver of the winning team as a loser", async () => {
    const { results, standings } = world.flows;
    const { match } = await startedMatch(arena, [20, 20, 20, 20, 20, 20]);
    const winners = match.players.filter((p) => p.teamIndex === 0).map((p) => p.characterId);
    await results.report({ matchId: match.matchId, winningTeam: 0, draw: false, leavers: [winners[0]!] });
    const leaver = await standings.rating(winners[0]!, arena.id, 0);
    const stayer = await standings.rating(winners[1]!, arena.id, 0);
    expect(leaver).toMatchObject({ seasonNumber: 0, wins: 0, losses: 1 });
    expect(leaver.rating.mu).toBeLessThan(20);
    expect(stayer).toMatchObject({ wins: 1, losses: 0 });
  });
});

describe("ready checks of parties", () => {
  it("cancels a whole party when one of it declines, and sends the other tickets back keeping their queue time", async () => {
    const { tickets, rounds, readyCheck, store } = world.flows;
    const party = await world.characters(3, { queueId: arena.id, seasonNumber: 0, mu: () => 12 });
    const solos = await world.characters(3, { queueId: arena.id, seasonNumber: 0, mu: () => 12.5 });
    const partyTicket = await tickets.join({ playerId: party.playerId, characterId: party.characterIds[0]!, partyCharacterIds: party.characterIds.slice(1), queueId: arena.id, region: "asia", latencyMs: 30 });
    const soloTickets: TicketRecord[] = [];
    for (const characterId of solos.characterIds) soloTickets.push(await tickets.join({ playerId: solos.playerId, characterId, partyCharacterIds: [], queueId: arena.id, region: "asia", latencyMs: 30 }));
    world.advance(1_000);
    const match = (await rounds.run()).formed.find((m) => m.players.some((p) => p.ticketId === partyTicket.ticketId))!;
    expect(new Set(match.players.filter((p) => p.ticketId === partyTicket.ticketId).map((p) => p.teamIndex)).size).toBe(1);
    await readyCheck.accept(party.playerId, match.matchId, party.characterIds[0]!);
    await readyCheck.decline(party.playerId, match.matchId, party.characterIds[2]!);
    expect(await store.ticket(partyTicket.ticketId)).toMatchObject({ status: "cancelled", cause: "declined" });
    for (const t of soloTickets) expect(await store.ticket(t.ticketId)).toMatchObject({ status: "searching", matchId: undefined, enqueuedAt: t.enqueuedAt });
    // The party may queue again at once; its declined ticket no longer holds its characters.
    expect((await tickets.join({ playerId: party.playerId, characterId: party.characterIds[1]!, partyCharacterIds: [], queueId: arena.id, region: "asia", latencyMs: 30 })).status).toBe("searching");
  });

  it("takes a deleted character's searching ticket out of the queue", async () => {
    const { tickets, store } = world.flows;
    const { playerId, characterIds } = await world.characters(1);
    const ticket = await tickets.join({ playerId, characterId: characterIds[0]!, partyCharacterIds: [], queueId: duel.id, region: "asia", latencyMs: 30 });
    await store.transaction((tx) => tickets.characterDeleted(tx, characterIds[0]!));
    expect(await store.ticket(ticket.ticketId)).toMatchObject({ status: "cancelled", cause: "left_queue" });
  });
});

describe("backfill", () => {
  it("fills a leaver's place with a queued solo whose rating fits the match's band, once, without re-matching anyone", async () => {
    const { results, tickets, store } = world.flows;
    const { match } = await startedMatch(arena, [32, 32, 33, 33, 32, 33], "na");
    const leaver = match.players.find((p) => p.teamIndex === 1)!;
    // Queued after the match formed: one too far in rating, one in another region, one that fits.
    const far = await world.characters(1, { queueId: arena.id, seasonNumber: 0, mu: () => 45 });
    const elsewhere = await world.characters(1, { queueId: arena.id, seasonNumber: 0, mu: () => 32.5 });
    const fits = await world.characters(1, { queueId: arena.id, seasonNumber: 0, mu: () => 32.5 });
    await tickets.join({ playerId: far.playerId, characterId: far.characterIds[0]!, partyCharacterIds: [], queueId: arena.id, region: "na", latencyMs: 30 });
    await tickets.join({ playerId: elsewhere.playerId, characterId: elsewhere.characterIds[0]!, partyCharacterIds: [], queueId: arena.id, region: "eu", latencyMs: 30 });
    const fitting = await tickets.join({ playerId: fits.playerId, characterId: fits.characterIds[0]!, partyCharacterIds: [], queueId: arena.id, region: "na", latencyMs: 30 });

    const left = await results.playerLeft(match.matchId, leaver.characterId);
    expect(left).toEqual({ backfillRequested: true, replacement: fits.characterIds[0], teamIndex: 1 });
    // Reported again (a retry): the same answer, no second replacement.
    expect(await results.playerLeft(match.matchId, leaver.characterId)).toEqual(left);

    const after = (await store.match(match.matchId))!;
    expect(after.players.filter((p) => p.backfill)).toMatchObject([{ characterId: fits.characterIds[0], teamIndex: 1 }]);
    expect(after.players.find((p) => p.characterId === leaver.characterId)!.left).toBe(true);
    // Everyone else is where the round put them.
    expect(after.players.filter((p) => !p.backfill).map((p) => [p.characterId, p.teamIndex])).toEqual(match.players.map((p) => [p.characterId, p.teamIndex]));
    expect((await store.ticket(fitting.ticketId))!).toMatchObject({ status: "matched", matchId: match.matchId });
    const { rows } = await world.flows.db.pool.query("SELECT job_key FROM mesh_jobs WHERE job_key = $1", [`addPlayer:${match.matchId}:${fits.characterIds[0]}`]);
    expect(rows).toHaveLength(1);
  });
});
