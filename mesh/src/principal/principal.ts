/** A verified end user (player or admin), handed to handlers by the mesh. */
export interface Principal {
  /** The account id (the token's `sub`). */
  readonly subject: string;
  /** Players act on their own account; admins operate the world. */
  readonly kind: "player" | "admin";
  /** What the user may do beyond what their kind implies (the `roles` claim). */
  readonly roles: readonly string[];
  /** The login session the token belongs to (`sid`): revocation works per session. */
  readonly sessionId: string;
  /** The token's `exp`. */
  readonly expiresAt: Date;
  /** The token's `jti`, for audit logs and replay tracking. */
  readonly tokenId: string;
  /**
   * "session": a login session's token, good for the whole API. "appeal": the
   * token identity gives a suspended or banned account at a refused login,
   * good only for the methods that let its owner see their standing and
   * appeal (PublicApi.appealMethods); `sessionId` is then the restricting
   * action's id, and `roles` is empty whatever the account holds.
   */
  readonly scope: "session" | "appeal";
}

/** The `aud` of appeal tokens, derived from the API's own audience so that no verifier of that audience accepts one. */
export function appealAudienceOf(audience: string): string {
  return `${audience}/appeal`;
}

/** Whether the user operates the world: an admin principal, or an account with the "admin" role. */
export function isAdmin(principal: Pick<Principal, "kind" | "roles">): boolean {
  return principal.kind === "admin" || principal.roles.includes("admin");
}
