import type { Logger } from "pino";
import type { ChannelChange } from "./chat-records.js";
import type { ChatReads, Subscription } from "./chat-store.js";
import { tooManyStreams } from "./refusals.js";

/** One item of a stream: a change of a channel, or the mark that the replay is over. */
export type StreamItem = ChannelChange | { readonly kind: "live" };

/** Options of {@link createMessageStreams}. */
export interface MessageStreamOptions {
  /** Streams one player may have open in this process. */
  readonly maxStreamsPerPlayer: number;
  /** Changes a stream may fall behind by before it is ended. */
  readonly queueLimit: number;
  /** How often open streams are checked against the database (channels joined, lost notices). */
  readonly sweepMs: number;
  readonly logger: Logger;
}

/** Thrown out of a stream that fell too far behind: the client resumes with its revisions and loses nothing. */
export class StreamFellBehind extends Error {
  constructor() {
    super("the stream fell behind; re-open it with after_revision to resume");
    this.name = "StreamFellBehind";
  }
}

/** The open StreamMessages streams of this replica, fed by the live notices of every replica. */
export interface MessageStreams {
  /**
   * Opens a stream for a character (checked by the caller): first the
   * changes after each `afterRevision`, then a "live" item, then changes as
   * they come. Throws TOO_MANY_STREAMS over the player's limit.
   */
  open(playerId: string, characterId: string, afterRevision: ReadonlyMap<string, bigint>, signal: AbortSignal): AsyncIterable<StreamItem>;
  /** A notice of a committed change (from any replica). */
  changed(change: ChannelChange): void;
  /** The channels or blocks of these characters changed. */
  refresh(characterIds: readonly string[]): void;
  /** Ends every stream (drain: their clients re-open them on another replica). */
  endAll(): void;
  /** Stops the sweep. */
  stop(): void;
  readonly openStreams: number;
}

type Work = { readonly type: "change"; readonly change: ChannelChange } | { readonly type: "behind"; readonly channelId: string } | { readonly type: "refresh" };

/** Replays read this many changes per query. */
const replayPage = 500;
/** A client over the stream limit may try again after this long. */
const streamLimitRetryMs = 5_000;

/**
 * Creates the streams. Each stream keeps, per channel, the revision it
 * delivered last, and takes only the next one: a notice further ahead (one
 * before it was lost, or arrived late from another replica) makes the stream
 * read what it missed from the database, and one at or below is a duplicate
 * and dropped. Live notices are at most once; the database is the truth, so
 * nothing is lost and nothing is delivered twice.
 */
export function createMessageStreams(store: ChatReads, options: MessageStreamOptions): MessageStreams {
  const streams = new Set<Stream>();
  const perPlayer = new Map<string, number>();
  const sweep = setInterval(() => {
    sweepOnce().catch((error: unknown) => options.logger.warn({ err: error }, "stream sweep failed; retrying at the next"));
  }, options.sweepMs);
  sweep.unref();

  async function sweepOnce(): Promise<void> {
    if (streams.size === 0) return;
    const byCharacter = new Map<string, Stream[]>();
    for (const stream of streams) byCharacter.set(stream.characterId, [...(byCharacter.get(stream.characterId) ?? []), stream]);
    const found = await store.subscriptions([...byCharacter.keys()]);
    for (const [characterId, list] of byCharacter) {
      const now = found.get(characterId) ?? new Map<string, Subscription>();
      for (const stream of list) stream.compare(now);
    }
  }

  return {
    open(playerId, characterId, afterRevision, signal) {
      const count = perPlayer.get(playerId) ?? 0;
      if (count >= options.maxStreamsPerPlayer) throw tooManyStreams(options.maxStreamsPerPlayer, streamLimitRetryMs);
      perPlayer.set(playerId, count + 1);
      const stream = new Stream(playerId, characterId, store, options.queueLimit, () => {
        streams.delete(stream);
        const left = (perPlayer.get(playerId) ?? 1) - 1;
        if (left === 0) perPlayer.delete(playerId);
        else perPlayer.set(playerId, left);
      });
      // Registered before its first read: notices of changes committed during the replay wait in its queue.
      streams.add(stream);
      return stream.items(afterRevision, signal);
    },
    changed(change) {
      for (const stream of streams) stream.offer({ type: "change", change });
    },
    refresh(characterIds) {
      const wanted = new Set(characterIds);
      for (const stream of streams) if (wanted.has(stream.characterId)) stream.offer({ type: "refresh" });
    },
    endAll() {
      for (const stream of [...streams]) stream.end();
    },
    stop() {
      clearInterval(sweep);
    },
    get openStreams() {
      return streams.size;
    },
  };
}

class Stream {
  /**
   * Per channel followed: its kind, the revision delivered (or passed over)
   * last, and the highest revision a live notice announced (queued, maybe
   * not taken yet).
   */
  private readonly cursors = new Map<string, { kind: Subscription["kind"]; revision: bigint; heard: bigint }>();
  private blocked = new Set<string>();
  private readonly queue: Work[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private behind = false;
  private started = false;

  constructor(
    readonly playerId: string,
    readonly characterId: string,
    private readonly store: ChatReads,
    private readonly limit: number,
    private readonly onEnd: () => void,
  ) {}

  offer(work: Work): void {
    if (this.ended) return;
    // Only changes of followed channels queue up (the replay's channels are known once it started).
    if (work.type === "change" && this.started) {
      const cursor = this.cursors.get(work.change.message.channelId);
      if (cursor === undefined) return;
      if (work.change.revision > cursor.heard) cursor.heard = work.change.revision;
    }
    if (this.queue.length >= this.limit) {
      this.behind = true;
      this.end();
      return;
    }
    this.queue.push(work);
    this.wake?.();
  }

  /** Compares with what the database says now: channels joined or left, and channels that moved past this stream. */
  compare(now: ReadonlyMap<string, Subscription>): void {
    if (!this.started) return;
    const differs = now.size !== this.cursors.size || [...now.keys()].some((id) => !this.cursors.has(id));
    if (differs) this.offer({ type: "refresh" });
    // Behind only when no notice announced the revision: a notice still queued (a busy stream) needs no query.
    for (const [channelId, sub] of now) {
      const cursor = this.cursors.get(channelId);
      if (cursor !== undefined && sub.revision > cursor.revision && sub.revision > cursor.heard) this.offer({ type: "behind", channelId });
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
    this.wake?.();
  }

  async *items(afterRevision: ReadonlyMap<string, bigint>, signal: AbortSignal): AsyncGenerator<StreamItem> {
    const onAbort = () => this.end();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      const subs = (await this.store.subscriptions([this.characterId])).get(this.characterId) ?? new Map<string, Subscription>();
      this.blocked = new Set(await this.store.blockedBy(this.characterId));
      for (const [channelId, sub] of subs) {
        const revision = afterRevision.get(channelId) ?? sub.revision;
        this.cursors.set(channelId, { kind: sub.kind, revision, heard: revision });
      }
      this.started = true;
      for (const [channelId, sub] of subs) {
        if (this.cursors.get(channelId)!.revision < sub.revision) yield* this.catchUp(channelId);
      }
      yield { kind: "live" };
      while (!this.ended) {
        const work = this.queue.shift();
        if (work === undefined) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
          continue;
        }
        if (work.type === "refresh") await this.reload();
        else if (work.type === "behind") yield* this.catchUp(work.channelId);
        else {
          // The common case, the next change of a followed channel, is delivered without a query (or a generator of its own).
          const next = this.next(work.change);
          if (next === "gap") yield* this.catchUp(work.change.message.channelId);
          else if (next !== undefined) yield next;
        }
      }
      if (this.behind) throw new StreamFellBehind();
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.end();
    }
  }

  /**
   * A live change: the next one is delivered (unless hidden), one further
   * ahead is a gap the database fills, an older one is a duplicate (undefined).
   */
  private next(change: ChannelChange): ChannelChange | "gap" | undefined {
    const cursor = this.cursors.get(change.message.channelId);
    if (cursor === undefined || change.revision <= cursor.revision) return undefined;
    if (change.revision !== cursor.revision + 1n) return "gap";
    cursor.revision = change.revision;
    return this.visible(cursor.kind, change) ? change : undefined;
  }

  private async *catchUp(channelId: string): AsyncGenerator<StreamItem> {
    for (;;) {
      const cursor = this.cursors.get(channelId);
      if (cursor === undefined || this.ended) return;
      const changes = await this.store.changesAfter(channelId, cursor.revision, replayPage);
      for (const change of changes) {
        if (change.revision <= cursor.revision) continue;
        cursor.revision = change.revision;
        if (this.visible(cursor.kind, change)) yield change;
      }
      if (changes.length < replayPage) return;
    }
  }

  /** Channels joined meanwhile start at their current revision; the history has what came before. */
  private async reload(): Promise<void> {
    const subs = (await this.store.subscriptions([this.characterId])).get(this.characterId) ?? new Map<string, Subscription>();
    this.blocked = new Set(await this.store.blockedBy(this.characterId));
    for (const channelId of [...this.cursors.keys()]) if (!subs.has(channelId)) this.cursors.delete(channelId);
    for (const [channelId, sub] of subs) if (!this.cursors.has(channelId)) this.cursors.set(channelId, { kind: sub.kind, revision: sub.revision, heard: sub.revision });
  }

  /** Blocks hide direct messages only, as in history. */
  private visible(kind: Subscription["kind"], change: ChannelChange): boolean {
    return !(kind === "direct" && this.blocked.has(change.message.senderCharacterId));
  }
}
