import { Code, ConnectError } from "@connectrpc/connect";
import type { TokenPair } from "@chaos/gen/chaos/identity/v1/account_pb.js";
import { timestampMs } from "./time.js";

/** Trades a refresh token for a new pair (IdentityService.RefreshSession). */
export type Refresher = (refreshToken: string) => Promise<TokenPair>;

/** Where the refresh token survives a page reload: this tab only, gone when the tab closes. */
const refreshTokenKey = "chaos.console.refreshToken";
/** Refresh this long before the access token expires, so no call carries an expired token. */
const refreshLeadMs = 60_000;
/** A token closer than this to expiry is refreshed before it is used (timers sleep in background tabs). */
const staleMarginMs = 10_000;
/** After a failed refresh that did not end the session (network), try again this much later. */
const retryMs = 5_000;

/**
 * The signed-in session. The access token lives only in memory; the refresh
 * token is kept in sessionStorage so a reload resumes the session. Tokens are
 * rotated shortly before the access token expires.
 */
export class Session {
  private tokens: TokenPair | undefined;
  private timer: number | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly endListeners = new Set<(reason: string | undefined) => void>();

  constructor(
    private readonly refresher: Refresher,
    private readonly storage: Storage = window.sessionStorage,
  ) {}

  /** True between a login (or resume) and the end of the session. */
  get active(): boolean {
    return this.tokens !== undefined;
  }

  /** The session id, for RevokeSession on log out. */
  get sessionId(): string | undefined {
    return this.tokens?.sessionId;
  }

  /** Starts (or continues) the session with a fresh pair. */
  begin(tokens: TokenPair): void {
    this.tokens = tokens;
    this.storage.setItem(refreshTokenKey, tokens.refreshToken);
    window.clearTimeout(this.timer);
    const expiresIn = timestampMs(tokens.accessTokenExpireTime) - Date.now();
    this.timer = window.setTimeout(() => void this.refresh().catch(() => undefined), Math.max(1_000, expiresIn - refreshLeadMs));
  }

  /** Resumes the session of an earlier page load, if this tab has one. */
  async resume(): Promise<boolean> {
    const stored = this.storage.getItem(refreshTokenKey);
    if (stored === null) return false;
    try {
      this.begin(await this.refresher(stored));
      return true;
    } catch {
      this.storage.removeItem(refreshTokenKey);
      return false;
    }
  }

  /** The access token for the next call, refreshed first when it is (nearly) expired. */
  async accessToken(): Promise<string | undefined> {
    if (this.tokens === undefined) return undefined;
    if (timestampMs(this.tokens.accessTokenExpireTime) - Date.now() < staleMarginMs) await this.refresh();
    return this.tokens?.accessToken;
  }

  /**
   * Rotates the pair; concurrent callers share one RefreshSession call (a
   * second call with the same refresh token would look like theft and revoke
   * the session). A refusal ends the session; a network failure is retried.
   */
  refresh(): Promise<void> {
    const current = this.tokens;
    if (current === undefined) return Promise.resolve();
    this.refreshing ??= this.refresher(current.refreshToken)
      .then((tokens) => {
        if (this.tokens === current) this.begin(tokens);
      })
      .catch((error: unknown) => {
        if (ConnectError.from(error).code === Code.Unauthenticated) {
          this.end("Your session has ended. Please log in again.");
        } else {
          window.clearTimeout(this.timer);
          this.timer = window.setTimeout(() => void this.refresh().catch(() => undefined), retryMs);
        }
        throw error;
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /** Forgets the tokens and tells the listeners, passing `reason` on (shown on the login screen). */
  end(reason?: string): void {
    if (this.tokens === undefined) return;
    this.tokens = undefined;
    window.clearTimeout(this.timer);
    this.storage.removeItem(refreshTokenKey);
    for (const listener of this.endListeners) listener(reason);
  }

  /** Calls `listener` whenever the session ends. */
  onEnd(listener: (reason: string | undefined) => void): void {
    this.endListeners.add(listener);
  }
}
