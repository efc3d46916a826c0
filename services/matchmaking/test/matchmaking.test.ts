import { randomUUID } from "node:crypto";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import type { MatchCompleted, RatingUpdated } from "@chaos/gen/chaos/matchmaking/v1/events_pb.js";
import { GameServerService } from "@chaos/gen/chaos/gameserver/v1/game_server_service_pb.js";
import { MatchState, TicketState } from "@chaos/gen/chaos/matchmaking/v1/match_pb.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { useStack } from "../../../scripts/test/stack.js";
import { eventually } from "../../../scripts/test/topic-events.js";
import { matchmakingWorld, type Hero } from "./matchmaking-world.js";

// Each test queues in a region of its own: rounds match across the whole queue, and tests must not pair each other's players.
const regions = ["r1", "r2", "r3", "r4", "r5", "r6", "r7"];
const queues = [
  // Wide from the start: any two duellists of a region match in the next round.
  { id: "ranked-1v1", teamSize: 1, ranked: true, initialWindow: 50, widenPerSecond: 0, maxWindow: 50, maxTeamGap: 50, maxLatencyMs: 150 },
  // Never wide enough to match (a single ticket waits forever): the window a console shows.
  { id: "slow-1v1", teamSize: 1, ranked: false, initialWindow: 0, widenPerSecond: 1, maxWindow: 5, maxTeamGap: 5, maxLatencyMs: 150 },
];
const stack = useStack(["identity", "matchmaking", "gameserver"], {
  env: {
    CHAOS_MATCHMAKING_QUEUES: JSON.stringify(queues),
    CHAOS_MATCHMAKING_REGIONS: regions.join(","),
    CHAOS_MATCHMAKING_ROUND_MS: "100",
    CHAOS_MATCHMAKING_READY_CHECK_SECONDS: "4",
    CHAOS_MATCHMAKING_STREAM_POLL_MS: "100",
    CHAOS_GAMESERVER_MATCH_MS: "3000",
    CHAOS_GAMESERVER_TICK_MS: "20",
  },
});
const world = matchmakingWorld(stack);
const mm = () => world.matchmaking();

const join = (hero: Hero, region: string, queueId = "ranked-1v1") => mm().joinQueue({ characterId: hero.characterId, queueId, region, latencyMs: 40 }, hero.player.asPlayer);
const ticketOf = (hero: Hero, ticketId: string) => mm().getTicket({ ticketId }, hero.player.asPlayer);
/** Waits until the ticket has a match proposed, and returns the match id. */
const matchFor = async (hero: Hero, ticketId: string) => (await eventually(() => ticketOf(hero, ticketId), (r) => r.ticket?.state === TicketState.MATCH_FOUND)).ticket!.matchId;

describe("matchmaking (real processes: identity, matchmaking, the Go game server)", () => {
  it("queues a character once, refuses bad tickets with the reason, and lets its owner leave", async () => {
    const [hero, stranger] = await Promise.all([world.hero(), world.hero()]);
    const { ticket } = await join(hero, "r1", "slow-1v1");
    expect(ticket).toMatchObject({ state: TicketState.SEARCHING, characterIds: [hero.characterId], queueId: "slow-1v1", region: "r1", rating: 25 });
    expect(await refusalOf(join(hero, "r1"))).toEqual({ code: Code.AlreadyExists, reason: "ERROR_REASON_ALREADY_QUEUED", metadata: { ticket_id: ticket!.ticketId, character_id: hero.characterId } });
    expect(await refusalOf(mm().joinQueue({ characterId: hero.characterId, queueId: "ranked-1v1", region: "r1", latencyMs: 40 }, stranger.player.asPlayer))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "ERROR_REASON_NOT_CHARACTER_OWNER",
    });
    expect(await refusalOf(mm().joinQueue({ characterId: stranger.characterId, queueId: "nope", region: "r1", latencyMs: 40 }, stranger.player.asPlayer))).toMatchObject({
      code: Code.NotFound,
      reason: "ERROR_REASON_QUEUE_NOT_FOUND",
    });
    expect(await refusalOf(mm().joinQueue({ characterId: stranger.characterId, queueId: "ranked-1v1", region: "mars", latencyMs: 40 }, stranger.player.asPlayer))).toMatchObject({
      code: Code.InvalidArgument,
      reason: "ERROR_REASON_REGION_NOT_SERVED",
    });
    expect(await refusalOf(mm().joinQueue({ characterId: stranger.characterId, queueId: "ranked-1v1", region: "r1", latencyMs: 400 }, stranger.player.asPlayer))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_NOT_ELIGIBLE",
      metadata: { max_latency_ms: "150" },
    });
    expect(await refusalOf(mm().joinQueue({ characterId: stranger.characterId, partyCharacterIds: [hero.characterId], queueId: "ranked-1v1", region: "r1", latencyMs: 40 }, stranger.player.asPlayer))).toMatchObject({
      code: Code.InvalidArgument,
      reason: "ERROR_REASON_PARTY_TOO_LARGE",
    });
    // Someone else's ticket does not exist for them.
    expect(await refusalOf(ticketOf(stranger, ticket!.ticketId))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_TICKET_NOT_FOUND" });

    const { ticket: left } = await mm().leaveQueue({ ticketId: ticket!.ticketId, characterId: hero.characterId }, hero.player.asPlayer);
    expect(left).toMatchObject({ state: TicketState.CANCELLED, cause: "left_queue" });
    // Leaving freed the character: it may queue again.
    expect((await join(hero, "r1", "slow-1v1")).ticket?.state).toBe(TicketState.SEARCHING);
  });

  it("streams a searching ticket with its rating window widening, for a console to show", async () => {
    const hero = await world.hero();
    const { ticket } = await join(hero, "r2", "slow-1v1");
    const controller = new AbortController();
    const windows: number[] = [];
    for await (const update of mm().streamTicketUpdates({ ticketId: ticket!.ticketId }, { ...hero.player.asPlayer, signal: controller.signal })) {
      expect(update.ticket?.state).toBe(TicketState.SEARCHING);
      windows.push(update.ratingWindow);
      if (windows.length === 3) break;
    }
    controller.abort();
    expect(windows[1]).toBeGreaterThan(windows[0]!);
    expect(windows[2]).toBeGreaterThan(windows[1]!);
    expect(windows[2]).toBeLessThanOrEqual(5);
  });

  it("sends the others back to the queue with their queue time when one declines, and cancels the decliner's ticket", async () => {
    const [stays, declines] = await Promise.all([world.hero(), world.hero()]);
    const { ticket: kept } = await join(stays, "r3");
    const { ticket: dropped } = await join(declines, "r3");
    const matchId = await matchFor(stays, kept!.ticketId);
    const { match } = await mm().declineMatch({ matchId, characterId: declines.characterId }, declines.player.asPlayer);
    expect(match?.state).toBe(MatchState.CANCELLED);
    expect((await ticketOf(declines, dropped!.ticketId)).ticket).toMatchObject({ state: TicketState.CANCELLED, cause: "declined" });
    const back = (await ticketOf(stays, kept!.ticketId)).ticket!;
    expect(back).toMatchObject({ state: TicketState.SEARCHING, matchId: "" });
    expect(timestampMs(back.createTime!)).toBe(timestampMs(kept!.createTime!));
    expect(await refusalOf(mm().acceptMatch({ matchId, characterId: stays.characterId }, stays.player.asPlayer))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_READY_CHECK_CLOSED",
    });
  });

  it("expires the ticket of whoever did not answer in time and sends whoever accepted back to the queue", async () => {
    const [accepts, silent] = await Promise.all([world.hero(), world.hero()]);
    const { ticket: a } = await join(accepts, "r4");
    const { ticket: s } = await join(silent, "r4");
    const matchId = await matchFor(accepts, a!.ticketId);
    await mm().acceptMatch({ matchId, characterId: accepts.characterId }, accepts.player.asPlayer);
    const expired = await eventually(() => ticketOf(silent, s!.ticketId), (r) => r.ticket?.state === TicketState.EXPIRED);
    expect(expired.ticket?.cause).toBe("expired");
    expect((await ticketOf(accepts, a!.ticketId)).ticket).toMatchObject({ state: TicketState.SEARCHING, createTime: a!.createTime });
    expect((await mm().getMatch({ matchId, characterId: accepts.characterId }, accepts.player.asPlayer)).match?.state).toBe(MatchState.CANCELLED);
  });

  it("hands an accepted match to the game server, takes its result once however often it comes, and rates both players", async () => {
    const [blue, red] = await Promise.all([world.hero(), world.hero()]);
    const { ticket: b } = await join(blue, "r5");
    const { ticket: r } = await join(red, "r5");
    const matchId = await matchFor(blue, b!.ticketId);
    expect((await mm().acceptMatch({ matchId, characterId: blue.characterId }, blue.player.asPlayer)).match?.state).toBe(MatchState.READY_CHECK);
    expect((await mm().acceptMatch({ matchId, characterId: red.characterId }, red.player.asPlayer)).match?.state).toBe(MatchState.ALLOCATING);
    expect((await ticketOf(red, r!.ticketId)).ticket?.state).toBe(TicketState.MATCHED);
    // The game server plays it (three seconds) and reports the result itself.
    const done = await eventually(() => mm().getMatch({ matchId, characterId: blue.characterId }, blue.player.asPlayer), (m) => m.match?.state === MatchState.COMPLETED);
    expect(done.match?.serverId).toMatch(/^gameserver-/);
    const completed = (await eventually(async () => world.events("MatchCompleted"), (e) => e.some((x) => (x.message as MatchCompleted).matchId === matchId))).map((e) => e.message as MatchCompleted).filter((m) => m.matchId === matchId);
    const winningTeam = completed[0]!.winningTeamIndex;
    // The match itself tells its players how it ended (a console shows victory or defeat from it), as the event does: a draw is team 0 with draw set, in both.
    expect(done.match?.result).toMatchObject({ winningTeamIndex: winningTeam, draw: completed[0]!.draw, leaverCharacterIds: [] });

    // The game server's report again (a retry after a lost answer): a duplicate, nothing rated twice; another outcome is a conflict.
    const again = { matchId, winningTeamIndex: winningTeam, draw: completed[0]!.draw, leaverCharacterIds: completed[0]!.leaverCharacterIds };
    expect(await world.internal().reportMatchResult(again)).toMatchObject({ duplicate: true });
    const otherOutcome = completed[0]!.draw ? { winningTeamIndex: 0, draw: false } : { winningTeamIndex: 1 - winningTeam, draw: false };
    expect(await refusalOf(world.internal().reportMatchResult({ ...again, ...otherOutcome }))).toMatchObject({
      code: Code.AlreadyExists,
      reason: "ERROR_REASON_RESULT_CONFLICT",
    });
    const ratings = await Promise.all([blue, red].map((h) => mm().getRating({ characterId: h.characterId, queueId: "ranked-1v1" }, h.player.asPlayer)));
    if (completed[0]!.draw) for (const { rating } of ratings) expect(rating).toMatchObject({ draws: 1, wins: 0, losses: 0 });
    else {
      expect(ratings.map((x) => x.rating!.wins).sort()).toEqual([0, 1]);
      expect(ratings.map((x) => x.rating!.losses).sort()).toEqual([0, 1]);
      const winner = ratings.find((x) => x.rating!.wins === 1)!.rating!;
      expect(winner.mu).toBeGreaterThan(25);
      expect(winner.conservative).toBeCloseTo(winner.mu - 3 * winner.sigma, 9);
    }
    const updates = await eventually(
      async () => world.events("RatingUpdated").filter((e) => (e.message as RatingUpdated).matchId === matchId),
      (e) => e.length >= 2,
    );
    expect(completed).toHaveLength(1);
    expect(updates.map((e) => (e.message as RatingUpdated).after!.characterId).sort()).toEqual([blue.characterId, red.characterId].sort());
    // The current season's leaderboard lists them, best conservative rank first.
    const { ratings: board, seasonNumber } = await mm().listLeaderboard({ queueId: "ranked-1v1" }, blue.player.asPlayer);
    expect(seasonNumber).toBeGreaterThan(0);
    const ours = board.filter((x) => x.characterId === blue.characterId || x.characterId === red.characterId);
    expect(ours).toHaveLength(2);
    expect(ours[0]!.conservative).toBeGreaterThanOrEqual(ours[1]!.conservative);
  });

  it("backfills a player who left a running match with a queued one, on the game server too, and rates the leaver as a loser", async () => {
    const [stays, leaves, waiting] = await Promise.all([world.hero(), world.hero(), world.hero()]);
    const { ticket: s } = await join(stays, "r7");
    await join(leaves, "r7");
    const matchId = await matchFor(stays, s!.ticketId);
    for (const h of [stays, leaves]) await mm().acceptMatch({ matchId, characterId: h.characterId }, h.player.asPlayer);
    await eventually(() => mm().getMatch({ matchId, characterId: stays.characterId }, stays.player.asPlayer), (m) => m.match?.state === MatchState.RUNNING);
    // Alone in its region's queue, this ticket finds no match of its own: it waits to fill a place.
    const { ticket: w } = await join(waiting, "r7");
    const gameServer = stack.operator.client(GameServerService, "gameserver");
    // The operator drops a player as a lost connection would; the game server reports the leaver itself.
    await gameServer.disconnectPlayer({ matchId, characterId: leaves.characterId });
    const filled = await eventually(() => ticketOf(waiting, w!.ticketId), (r) => r.ticket?.state === TicketState.MATCHED);
    expect(filled.ticket?.matchId).toBe(matchId);
    const leaverTeam = (await mm().getMatch({ matchId, characterId: stays.characterId }, stays.player.asPlayer)).match!.teams.find((t) => t.characterIds.includes(waiting.characterId))!;
    expect(leaverTeam.characterIds).toEqual([waiting.characterId]);
    // The game server got the replacement (AddPlayer) on the leaver's team.
    const onServer = await eventually(() => gameServer.getMatch({ matchId }), (m) => m.match!.teams.some((t) => t.players.some((p) => p.characterId === waiting.characterId)));
    expect(onServer.match!.teams.find((t) => t.players.some((p) => p.characterId === waiting.characterId))!.teamIndex).toBe(leaverTeam.teamIndex);
    // The game server's report of the leaver again (a retry): the same replacement, no second one.
    expect(await world.internal().reportPlayerLeft({ matchId, characterId: leaves.characterId })).toMatchObject({ backfillRequested: true, replacementCharacterId: waiting.characterId });
    await eventually(() => mm().getMatch({ matchId, characterId: stays.characterId }, stays.player.asPlayer), (m) => m.match?.state === MatchState.COMPLETED);
    const { rating } = await mm().getRating({ characterId: leaves.characterId, queueId: "ranked-1v1" }, leaves.player.asPlayer);
    expect(rating).toMatchObject({ wins: 0, losses: 1 });
  });

  it("lists the queues and regions of its settings, for a client to offer", async () => {
    const hero = await world.hero();
    const listed = await mm().listQueues({}, hero.player.asPlayer);
    expect(listed.regions).toEqual(regions);
    expect(listed.queues.map((q) => [q.queueId, q.teamSize, q.ranked])).toEqual(queues.map((q) => [q.id, q.teamSize, q.ranked]));
    expect(listed.queues[0]).toMatchObject({ initialWindow: queues[0]!.initialWindow, widenPerSecond: queues[0]!.widenPerSecond, maxWindow: queues[0]!.maxWindow });
  });

  it("tells operators how a queue is doing, and refuses players", async () => {
    const hero = await world.hero();
    await join(hero, "r6", "slow-1v1");
    const stats = await mm().getQueueStatistics({ queueId: "slow-1v1" });
    expect(stats.searchingTickets).toBeGreaterThanOrEqual(1);
    expect(stats.waitP90Seconds).toBeGreaterThanOrEqual(stats.waitP50Seconds);
    expect(await refusalOf(mm().getQueueStatistics({ queueId: "slow-1v1" }, hero.player.asPlayer))).toMatchObject({ code: Code.PermissionDenied });
    expect(await refusalOf(mm().getQueueStatistics({ queueId: randomUUID() }))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_QUEUE_NOT_FOUND" });
  });
});
