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
}

/** Whether the user operates the world: an admin principal, or an account with the "admin" role. */
export function isAdmin(principal: Pick<Principal, "kind" | "roles">): boolean {
  return principal.kind === "admin" || principal.roles.includes("admin");
}
