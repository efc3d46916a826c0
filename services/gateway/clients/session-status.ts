import type { Client } from "@connectrpc/connect";
import { ExpiringMap } from "@chaos/mesh/client";
import type { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";

/** Whether the login session behind an access token is still open. */
export interface SessionStatus {
  isActive(sessionId: string): Promise<boolean>;
}

/** Options of {@link createSessionStatus}; every field has a documented default. */
export interface SessionStatusOptions {
  /** How long an answer is reused, in ms; 0 asks identity every time. */
  readonly cacheMs: number;
  /** Sessions remembered at most (the oldest answers go first). Default 100000. */
  readonly maxEntries?: number;
  /** Deadline of one CheckSession call. Default 3000 ms. */
  readonly timeoutMs?: number;
}

/**
 * Asks identity's CheckSession, remembering each answer for a short while:
 * an access token lives 15 minutes, and without this check a revoked session
 * would keep working that long; asking on every call would put identity on
 * every call's path. Failures are not remembered.
 */
export function createSessionStatus(identity: Client<typeof IdentityInternalService>, options: SessionStatusOptions): SessionStatus {
  const maxEntries = options.maxEntries ?? 100_000;
  const timeoutMs = options.timeoutMs ?? 3_000;
  const answers = options.cacheMs > 0 ? new ExpiringMap<string, boolean>(maxEntries) : undefined;
  return {
    async isActive(sessionId) {
      const known = answers?.get(sessionId);
      if (known !== undefined) return known;
      const { active } = await identity.checkSession({ sessionId }, { timeoutMs });
      answers?.set(sessionId, active, Date.now() + options.cacheMs);
      return active;
    },
  };
}
