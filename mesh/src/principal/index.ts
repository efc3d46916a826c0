export type { Principal } from "./principal.js";
export { TokenError, type TokenErrorReason } from "./token-error.js";
export { createTokenSigner, generateSigningKey, tokenAlgorithm, type SigningKey, type TokenSigner, type TokenSignerOptions } from "./token-signer.js";
export { createTokenVerifier, type TokenVerifier, type TokenVerifierOptions } from "./token-verifier.js";
