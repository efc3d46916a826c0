/** Character names seen so far, so events that carry only ids can be shown with names. */
export class CharacterNames {
  private readonly names = new Map<string, string>();

  /** Records a character's name (from a listing). */
  remember(characterId: string, name: string): void {
    this.names.set(characterId, name);
  }

  /** Whether the name of this character has been seen. */
  knows(characterId: string): boolean {
    return this.names.has(characterId);
  }

  /** The name, or a short form of the id for characters not seen yet. */
  nameOf(characterId: string): string {
    return this.names.get(characterId) ?? `character ${characterId.slice(0, 8)}`;
  }
}
