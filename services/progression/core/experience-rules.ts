/** Experience for a defeat: a training target teaches less than another player's character. */
export const defeatExperience = { trainingTarget: 50, playerCharacter: 100 } as const;

/** Experience the victor of a defeat gets; training targets have no player. */
export function experienceForDefeat(defeatedPlayerId: string): number {
  return defeatedPlayerId === "" ? defeatExperience.trainingTarget : defeatExperience.playerCharacter;
}
