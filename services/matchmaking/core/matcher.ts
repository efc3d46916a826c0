import { teamsPerMatch, type QueueConfig } from "./queue-config.js";
import { ratingWindowAt } from "./rating-window.js";

/** A searching ticket as the matcher sees it. */
export interface QueuedTicket {
  readonly ticketId: string;
  readonly characterIds: readonly string[];
  readonly region: string;
  /** The party's mean mu. */
  readonly rating: number;
  readonly enqueuedAt: Date;
}

/** One side of a proposed match. */
export interface ProposedTeam {
  readonly tickets: readonly QueuedTicket[];
  /** Mean mu over the team's players (a party's rating counts once per player). */
  readonly meanRating: number;
}

/** A match the round proposes. */
export interface ProposedMatch {
  readonly region: string;
  readonly teams: readonly ProposedTeam[];
  /** The narrowest window of its tickets at forming: the match's rating spread is within it. */
  readonly window: number;
  /** Highest minus lowest ticket rating in the match. */
  readonly spread: number;
}

/** How many nearest neighbours an anchor looks at before giving up for this round (keeps a round linear in the queue). */
const neighbourLimit = 64;

/**
 * One matching round over a queue's searching tickets, at `now`.
 *
 * Rules every proposed match keeps: one region; every ticket's rating lies
 * within the window of every ticket in the match (the spread is at most the
 * narrowest window in force now, each ticket's widening with its own time in
 * queue); each team has exactly teamSize players, a party never split; the
 * teams' mean ratings differ by at most maxTeamGap; a ticket is in one match.
 *
 * Method: the longest-waiting ticket anchors first (it has the widest window
 * and waited most). It gathers its nearest neighbours by rating that keep the
 * spread within everyone's window until two teams are full, then the split
 * into teams with the smallest gap in mean rating is chosen. A group that
 * cannot be balanced within maxTeamGap is not proposed; its tickets wait for
 * the next round (their windows widen, others join).
 */
export function formMatches(tickets: readonly QueuedTicket[], queue: QueueConfig, now: Date): ProposedMatch[] {
  const byRegion = new Map<string, QueuedTicket[]>();
  for (const t of tickets) {
    if (t.characterIds.length > queue.teamSize) continue;
    const list = byRegion.get(t.region);
    if (list === undefined) byRegion.set(t.region, [t]);
    else list.push(t);
  }
  const matches: ProposedMatch[] = [];
  for (const [region, list] of byRegion) matches.push(...formInRegion(region, list, queue, now));
  return matches;
}

function formInRegion(region: string, tickets: readonly QueuedTicket[], queue: QueueConfig, now: Date): ProposedMatch[] {
  const players = queue.teamSize * teamsPerMatch;
  const sorted = [...tickets].sort((a, b) => a.rating - b.rating || a.ticketId.localeCompare(b.ticketId));
  const position = new Map(sorted.map((t, i) => [t.ticketId, i]));
  const windowOf = new Map(tickets.map((t) => [t.ticketId, ratingWindowAt(queue, t.enqueuedAt, now)]));
  const anchors = [...tickets].sort((a, b) => a.enqueuedAt.getTime() - b.enqueuedAt.getTime() || a.ticketId.localeCompare(b.ticketId));
  const used = new Set<string>();
  const matches: ProposedMatch[] = [];

  for (const anchor of anchors) {
    if (used.has(anchor.ticketId)) continue;
    const anchorWindow = windowOf.get(anchor.ticketId)!;
    const group: QueuedTicket[] = [anchor];
    let count = anchor.characterIds.length;
    let low = anchor.rating;
    let high = anchor.rating;
    let narrowest = anchorWindow;
    // Walk outwards from the anchor, nearest rating first.
    let left = position.get(anchor.ticketId)! - 1;
    let right = left + 2;
    let looked = 0;
    while (count < players && looked < neighbourLimit) {
      const l = nextUnused(sorted, left, -1, used);
      const r = nextUnused(sorted, right, 1, used);
      const lc = l === undefined ? undefined : sorted[l]!;
      const rc = r === undefined ? undefined : sorted[r]!;
      const lDist = lc === undefined ? Infinity : anchor.rating - lc.rating;
      const rDist = rc === undefined ? Infinity : rc.rating - anchor.rating;
      if (Math.min(lDist, rDist) > anchorWindow) break;
      let candidate: QueuedTicket;
      if (lDist <= rDist) {
        candidate = lc!;
        left = l! - 1;
      } else {
        candidate = rc!;
        right = r! + 1;
      }
      looked++;
      if (count + candidate.characterIds.length > players) continue;
      const newLow = Math.min(low, candidate.rating);
      const newHigh = Math.max(high, candidate.rating);
      const newNarrowest = Math.min(narrowest, windowOf.get(candidate.ticketId)!);
      if (newHigh - newLow > newNarrowest) continue;
      group.push(candidate);
      count += candidate.characterIds.length;
      low = newLow;
      high = newHigh;
      narrowest = newNarrowest;
    }
    if (count !== players) continue;
    const teams = balancedSplit(group, queue.teamSize);
    if (teams === undefined || Math.abs(teams[0].meanRating - teams[1].meanRating) > queue.maxTeamGap) continue;
    for (const t of group) used.add(t.ticketId);
    matches.push({ region, teams, window: narrowest, spread: high - low });
  }
  return matches;
}

function nextUnused(sorted: readonly QueuedTicket[], from: number, step: 1 | -1, used: ReadonlySet<string>): number | undefined {
  for (let i = from; i >= 0 && i < sorted.length; i += step) if (!used.has(sorted[i]!.ticketId)) return i;
  return undefined;
}

/** Mean mu of a team's players. */
export function teamMean(tickets: readonly QueuedTicket[]): number {
  let sum = 0;
  let n = 0;
  for (const t of tickets) {
    sum += t.rating * t.characterIds.length;
    n += t.characterIds.length;
  }
  return n === 0 ? 0 : sum / n;
}

/**
 * The split of `group` into two teams of `teamSize` players (parties whole)
 * with the smallest gap between the teams' mean ratings; undefined when the
 * parties' sizes cannot make two full teams. The first ticket stays in team 0
 * (the split and its mirror are the same). Exhaustive: 2^(tickets - 1) splits,
 * 32 for a 3v3 of solos, 32,768 for an 8v8 (the settings cap teams at 8 for this).
 */
export function balancedSplit(group: readonly QueuedTicket[], teamSize: number): [ProposedTeam, ProposedTeam] | undefined {
  let best: [ProposedTeam, ProposedTeam] | undefined;
  let bestGap = Infinity;
  const rest = group.length - 1;
  for (let mask = 0; mask < 1 << rest; mask++) {
    const first = [group[0]!];
    const second: QueuedTicket[] = [];
    let size = group[0]!.characterIds.length;
    for (let i = 0; i < rest; i++) {
      const t = group[i + 1]!;
      if (mask & (1 << i)) {
        first.push(t);
        size += t.characterIds.length;
      } else second.push(t);
    }
    if (size !== teamSize) continue;
    const a = teamMean(first);
    const b = teamMean(second);
    if (Math.abs(a - b) < bestGap) {
      bestGap = Math.abs(a - b);
      best = [
        { tickets: first, meanRating: a },
        { tickets: second, meanRating: b },
      ];
    }
  }
  return best;
}

/** A running match's hole, as backfill sees it. */
export interface MatchBand {
  readonly region: string;
  /** Lowest and highest rating of the match's players when formed. */
  readonly low: number;
  readonly high: number;
  /** The window in force when the match was formed. */
  readonly window: number;
  /** The mean rating of the team that lost a player. */
  readonly teamMean: number;
}

/**
 * The searching solo ticket that best fills a hole: same region, its rating
 * inside the match's band (the spread with it stays within the window the
 * match was formed with), nearest the short team's mean; undefined when none fits.
 */
export function pickBackfill(tickets: readonly QueuedTicket[], band: MatchBand): QueuedTicket | undefined {
  let best: QueuedTicket | undefined;
  for (const t of tickets) {
    if (t.region !== band.region || t.characterIds.length !== 1) continue;
    if (Math.max(band.high, t.rating) - Math.min(band.low, t.rating) > band.window) continue;
    if (best === undefined || Math.abs(t.rating - band.teamMean) < Math.abs(best.rating - band.teamMean)) best = t;
  }
  return best;
}
