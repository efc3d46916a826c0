/** The highest level (player's SetLevel accepts 1..100). */
export const maxLevel = 100;

/** Total experience a character needs to be at `level`: 100·L·(L−1)/2, so level 2 at 100, 3 at 300, 4 at 600. */
export function experienceForLevel(level: number): number {
  return (100 * level * (level - 1)) / 2;
}

/** The level a total of `experience` reaches. */
export function levelFor(experience: number): number {
  // The closed form of experienceForLevel's inverse, corrected for floating-point error at the boundaries.
  let level = Math.min(maxLevel, Math.max(1, Math.floor((1 + Math.sqrt(1 + (8 * experience) / 100)) / 2)));
  while (level > 1 && experienceForLevel(level) > experience) level--;
  while (level < maxLevel && experienceForLevel(level + 1) <= experience) level++;
  return level;
}

/** Experience still needed for the next level; zero at the highest level. */
export function experienceToNextLevel(experience: number): number {
  const level = levelFor(experience);
  return level >= maxLevel ? 0 : experienceForLevel(level + 1) - experience;
}
