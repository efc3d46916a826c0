import { pickBackfill } from "./matcher.js";
import { playerBackfilled } from "./matchmaking-events.js";
import type { MatchmakingTransaction } from "./matchmaking-store.js";
import type { QueueConfig } from "./queue-config.js";
import { startingRating } from "./skill-rating.js";

/**
 * Fills the place a leaver left in a running match with a searching solo
 * ticket of the same queue and region whose rating fits the match's band,
 * on the leaver's team, without re-matching anyone; the game server hears of
 * it from the addPlayer job after commit. Returns the replacement, if one fit.
 */
export async function fillHole(
  tx: MatchmakingTransaction,
  queue: QueueConfig,
  hole: { matchId: string; teamIndex: number; characterId: string },
  ticketLimit: number,
  now: Date,
): Promise<string | undefined> {
  const match = await tx.lockMatch(hole.matchId);
  if (match === undefined || (match.status !== "running" && match.status !== "allocating")) return undefined;
  const candidates = await tx.claimSearching(queue.id, ticketLimit);
  const pick = pickBackfill(candidates, { region: match.region, low: match.low, high: match.high, window: match.window, teamMean: match.teamMeans[hole.teamIndex] ?? 0 });
  if (pick === undefined) return undefined;
  const characterId = pick.characterIds[0]!;
  const [kept] = await tx.ratings(match.queueId, queue.ranked ? match.seasonNumber : 0, [characterId]);
  await tx.updateTickets([pick.ticketId], { status: "matched", matchId: match.matchId, closedAt: now });
  await tx.addBackfill(match.matchId, { characterId, ticketId: pick.ticketId, teamIndex: hole.teamIndex, rating: kept?.rating ?? startingRating() });
  await tx.fillHole(match.matchId, hole.characterId, characterId);
  await tx.publish([playerBackfilled(match.matchId, hole.teamIndex, characterId, hole.characterId)]);
  await tx.schedule("addPlayer", { matchId: match.matchId, characterId });
  return characterId;
}
