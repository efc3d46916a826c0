/** Why an end-user token was refused. Messages never contain the token. */
export type TokenErrorReason =
  | "malformed"
  | "unsupported-alg"
  | "unknown-key"
  | "bad-signature"
  | "expired"
  | "not-yet-valid"
  | "wrong-issuer"
  | "wrong-audience"
  | "invalid-claims"
  | "lifetime-too-long"
  /** An appeal token on a method that is not an appeal method. */
  | "appeal-only";

/** A refused end-user token. */
export class TokenError extends Error {
  constructor(readonly reason: TokenErrorReason, message: string) {
    super(message);
    this.name = "TokenError";
  }
}
