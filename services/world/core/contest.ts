import type { Contender } from "./world-records.js";

/** How a tick moves a contest, in progress points (a territory falls at 100). */
export interface ContestRules {
  /** Points a guild gains per tick for each of its members present. CHAOS_WORLD_GAIN_PER_MEMBER, default 10. */
  readonly gainPerMember: number;
  /** The most a guild gains in one tick, however many members it brings. CHAOS_WORLD_MAX_GAIN_PER_TICK, default 30. */
  readonly maxGainPerTick: number;
  /**
   * While two or more guilds are present, the leader (the one strictly
   * ahead before the tick) loses this many points per member of the other
   * guilds present: a lead is hard to keep under pressure.
   * CHAOS_WORLD_CONTESTED_DECAY_PER_MEMBER, default 5.
   */
  readonly contestedDecayPerMember: number;
  /** Points a guild with progress but no member present loses per tick. CHAOS_WORLD_ABSENT_DECAY, default 10. */
  readonly absentDecay: number;
}

/** The points that take a territory. */
export const captureThreshold = 100;

/** What one tick made of a contest. */
export type ContestStep =
  /** Still running; contenders highest first (guilds at 0 with nobody present dropped). */
  | { readonly outcome: "running"; readonly contenders: readonly Contender[] }
  /** A guild reached 100: it wins (the holder winning means it defended). */
  | { readonly outcome: "won"; readonly winnerGuildId: string; readonly contenders: readonly Contender[] }
  /** No guild has progress and nobody is present: the contest ends without a winner. */
  | { readonly outcome: "abandoned"; readonly contenders: readonly Contender[] };

/**
 * One tick of a contest, pure: every guild with members present gains
 * min(members x gainPerMember, maxGainPerTick); a guild with progress and
 * nobody present loses absentDecay; when several guilds are present, the
 * leader also loses contestedDecayPerMember per opposing member present.
 * Progress stays within [0, 100]. Of the guilds at 100 after the tick, the
 * one with most progress wins, then the one with more members present, then
 * the lower guild id (any fixed rule would do; this one never depends on
 * the order rows were read in).
 */
export function advanceContest(contenders: readonly Contender[], present: ReadonlyMap<string, number>, rules: ContestRules): ContestStep {
  const before = new Map(contenders.map((c) => [c.guildId, c.progress]));
  const guilds = new Set([...before.keys(), ...[...present].filter(([, n]) => n > 0).map(([g]) => g)]);
  const presentGuilds = [...guilds].filter((g) => (present.get(g) ?? 0) > 0);
  const totalPresent = presentGuilds.reduce((sum, g) => sum + present.get(g)!, 0);
  const leader = leaderOf(contenders);
  const after: Contender[] = [];
  for (const guildId of guilds) {
    const members = present.get(guildId) ?? 0;
    let delta = members > 0 ? Math.min(rules.maxGainPerTick, members * rules.gainPerMember) : -rules.absentDecay;
    if (presentGuilds.length >= 2 && guildId === leader) delta -= rules.contestedDecayPerMember * (totalPresent - members);
    const progress = Math.max(0, Math.min(captureThreshold, (before.get(guildId) ?? 0) + delta));
    if (progress > 0 || members > 0) after.push({ guildId, progress });
  }
  after.sort((a, b) => b.progress - a.progress || (present.get(b.guildId) ?? 0) - (present.get(a.guildId) ?? 0) || a.guildId.localeCompare(b.guildId));
  const first = after[0];
  if (first !== undefined && first.progress >= captureThreshold) return { outcome: "won", winnerGuildId: first.guildId, contenders: after };
  if (after.every((c) => c.progress === 0) && presentGuilds.length === 0) return { outcome: "abandoned", contenders: after };
  return { outcome: "running", contenders: after };
}

/** The guild strictly ahead of every other, if one is. */
function leaderOf(contenders: readonly Contender[]): string | undefined {
  const sorted = [...contenders].sort((a, b) => b.progress - a.progress);
  const [top, second] = sorted;
  if (top === undefined || top.progress === 0) return undefined;
  return second !== undefined && second.progress === top.progress ? undefined : top.guildId;
}
