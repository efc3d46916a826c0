/** What an achievement looks at. */
export interface AchievementProgress {
  readonly level: number;
  readonly defeats: number;
}

export interface AchievementDefinition {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly points: number;
  readonly reached: (progress: AchievementProgress) => boolean;
}

/** The achievements of this slice, in the order clients list them. */
export const achievements: readonly AchievementDefinition[] = [
  { id: "first_blood", title: "First Blood", description: "Defeat anything for the first time.", points: 10, reached: (p) => p.defeats >= 1 },
  { id: "ten_defeats", title: "Seasoned Fighter", description: "Score ten defeats.", points: 25, reached: (p) => p.defeats >= 10 },
  { id: "level_5", title: "Rising Star", description: "Reach level 5.", points: 20, reached: (p) => p.level >= 5 },
];

/** The achievements `progress` reaches that are not in `unlocked` yet. */
export function newlyReached(progress: AchievementProgress, unlocked: ReadonlySet<string>): AchievementDefinition[] {
  return achievements.filter((a) => !unlocked.has(a.id) && a.reached(progress));
}
