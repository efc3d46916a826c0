import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AccountSchema, PasskeySchema, PublicKeySchema, SessionSchema, TokenPairSchema, type Account, type Passkey, type PublicKey, type Session, type TokenPair } from "@chaos/gen/chaos/identity/v1/account_pb.js";
import { toRoles, type AccountRecord } from "../core/account.js";
import type { PublishedKey } from "../core/key-ring.js";
import type { SessionRecord } from "../core/session.js";
import type { IssuedTokens } from "../core/sessions.js";
import type { PasskeyRecord } from "../store/passkey-rows.js";

/** The contract's Account: no credentials, no secrets. */
export function toAccountMessage(account: AccountRecord): Account {
  return create(AccountSchema, {
    accountId: account.accountId,
    email: account.email,
    roles: toRoles(account.roles),
    mfaEnabled: account.mfaEnabled,
    createTime: timestampFromDate(account.createdAt),
  });
}

/** The contract's Session. */
export function toSessionMessage(session: SessionRecord): Session {
  return create(SessionSchema, {
    sessionId: session.sessionId,
    accountId: session.accountId,
    userAgent: session.userAgent,
    ipAddress: session.ipAddress,
    createTime: timestampFromDate(session.createdAt),
    lastRefreshTime: session.lastRefreshAt === undefined ? undefined : timestampFromDate(session.lastRefreshAt),
    expireTime: timestampFromDate(session.expiresAt),
  });
}

/** The contract's TokenPair. */
export function toTokenPairMessage(tokens: IssuedTokens): TokenPair {
  return create(TokenPairSchema, {
    accessToken: tokens.accessToken,
    accessTokenExpireTime: timestampFromDate(tokens.accessTokenExpiresAt),
    refreshToken: tokens.refreshToken,
    refreshTokenExpireTime: timestampFromDate(tokens.refreshTokenExpiresAt),
    sessionId: tokens.sessionId,
  });
}

/** The contract's PublicKey (a JWK). */
export function toPublicKeyMessage(key: PublishedKey): PublicKey {
  return create(PublicKeySchema, {
    kid: key.kid,
    alg: key.alg,
    kty: key.kty,
    crv: key.crv,
    x: key.x,
    retireTime: key.retiredAt === undefined ? undefined : timestampFromDate(key.retiredAt),
  });
}

/** The contract's Passkey: what the player sees of it (never the key). */
export function toPasskeyMessage(passkey: PasskeyRecord): Passkey {
  return create(PasskeySchema, {
    passkeyId: passkey.passkeyId,
    name: passkey.name,
    createTime: timestampFromDate(passkey.createdAt),
    lastUseTime: passkey.lastUsedAt === undefined ? undefined : timestampFromDate(passkey.lastUsedAt),
    backedUp: passkey.backedUp,
  });
}
