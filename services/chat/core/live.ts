import type { ChannelChange } from "./chat-records.js";

/**
 * Tells every chat replica about committed changes, for their open streams.
 * At most once: a lost notice is caught up from the database by the streams
 * (a revision jump, or the periodic sweep), so callers may ignore failures.
 */
export interface LiveChanges {
  /** A post or deletion that committed. */
  changed(change: ChannelChange): Promise<void>;
  /** Something the streams of these characters filter on changed (their channels, their blocks). */
  refresh(characterIds: readonly string[]): Promise<void>;
}

/** Who is online now, from the gateways' sessions. */
export interface Presence {
  /** Those of `characterIds` with a live session. */
  online(characterIds: readonly string[]): Promise<Set<string>>;
}

/** Per-player limits on posting, shared by every replica: a pace with a burst cap, and no repeats. */
export interface SpamGuard {
  /** Throws RATE_LIMITED or DUPLICATE_MESSAGE (with the wait) when the post must be refused; otherwise counts it. */
  admit(playerId: string, textHash: string, idempotencyKey: string): Promise<void>;
}
