// End-user identity: short-lived EdDSA tokens, signed at login and verified by every service.
export { appealAudienceOf, isAdmin, type Principal } from "./principal.js";
export { TokenError, type TokenErrorReason } from "./token-error.js";
export {
  createTokenSigner,
  generateSigningKey,
  tokenAlgorithm,
  type PrincipalInput,
  type SigningKey,
  type TokenSigner,
  type TokenSignerOptions,
} from "./token-signer.js";
export { createTokenVerifier, type TokenVerifier, type TokenVerifierOptions } from "./token-verifier.js";
