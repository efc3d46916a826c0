/** A verified end user (player or admin), handed to handlers by the mesh. */
export interface Principal {
  /** The account id. */
  readonly subject: string;
  readonly kind: "player" | "admin";
  readonly roles: readonly string[];
  /** The login session the token belongs to (revocation works per session). */
  readonly sessionId: string;
  readonly expiresAt: Date;
  /** The token's jti. */
  readonly tokenId: string;
}
