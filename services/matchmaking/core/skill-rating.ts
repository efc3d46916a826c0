import { ordinal, rate, rating } from "openskill";

/**
 * The rating adapter: OpenSkill's Weng-Lin model (the library's default,
 * Plackett-Luce) behind the few operations matchmaking needs, so the rest of
 * the service never sees the library's shapes.
 */
export interface SkillRating {
  readonly mu: number;
  readonly sigma: number;
}

/** Everyone's rating before their first match in a queue and season: mu 25, sigma 25/3. */
export function startingRating(): SkillRating {
  return rating();
}

/** The conservative rank, mu - 3 sigma: what leaderboards sort by (rises with certainty, not only with wins). */
export function conservativeRank(r: SkillRating): number {
  return ordinal(r);
}

/** A match's outcome: a winning team (by index), or a draw. */
export type MatchOutcome = { readonly kind: "win"; readonly winningTeam: number } | { readonly kind: "draw" };

export interface RatedPlayer {
  readonly characterId: string;
  readonly rating: SkillRating;
}

/**
 * Every player's rating after the match. Leavers are rated as losers whatever
 * their team did: their new rating comes from rating the same teams with
 * their own team ranked last, while everyone else is rated on the real outcome
 * (so a leaver neither drags their team down nor is carried by it).
 */
export function rateMatch(teams: readonly (readonly RatedPlayer[])[], outcome: MatchOutcome, leavers: ReadonlySet<string>): Map<string, SkillRating> {
  const ratings = teams.map((team) => team.map((p) => p.rating));
  const real = rate(ratings, { rank: teams.map((_, i) => (outcome.kind === "draw" || i === outcome.winningTeam ? 1 : 2)) });
  const after = new Map<string, SkillRating>();
  teams.forEach((team, t) => team.forEach((p, i) => after.set(p.characterId, real[t]![i]!)));
  teams.forEach((team, t) => {
    if (!team.some((p) => leavers.has(p.characterId))) return;
    const lost = rate(ratings, { rank: teams.map((_, i) => (i === t ? 2 : 1)) });
    team.forEach((p, i) => {
      if (leavers.has(p.characterId)) after.set(p.characterId, lost[t]![i]!);
    });
  });
  return after;
}
