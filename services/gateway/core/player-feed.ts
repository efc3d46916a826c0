import type { StreamPlayerEventsResponse } from "@chaos/gen/chaos/gateway/v1/gateway_service_pb.js";
import { ErrorReason } from "@chaos/gen/chaos/gateway/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { Logger } from "pino";
import type { FeedDelivery } from "./feed-events.js";

/** Items a stream may fall behind by before its oldest are dropped: the feed is live, not a complete history. */
const defaultQueueLimit = 1_000;

/** Options of {@link createPlayerFeed}; every field has a documented default. */
export interface PlayerFeedOptions {
  /** Streams one player may have open in this process. */
  readonly maxStreamsPerPlayer: number;
  /** Items a stream may fall behind by. Default 1000. */
  readonly queueLimit?: number;
  readonly logger: Logger;
}

/** One open StreamPlayerEvents stream. */
export interface FeedStream {
  /** Its items in arrival order, until `signal` aborts or the feed ends the stream. */
  items(signal: AbortSignal): AsyncIterable<StreamPlayerEventsResponse>;
  /** Ends the stream and frees its place (idempotent). */
  end(): void;
}

/** The in-process fan-out of feed items to the open streams of each player. */
export interface PlayerFeed {
  /** Hands an item to every open stream of its player that wants it. */
  deliver(delivery: FeedDelivery): void;
  /**
   * Opens a stream of the player's items, of some characters only when
   * `characterIds` is not empty. Throws DomainError(RATE_LIMITED) when the
   * player already has the maximum open.
   */
  open(playerId: string, characterIds: readonly string[]): FeedStream;
  /** Ends every stream (at shutdown, so clients reconnect to another replica at once). */
  endAll(): void;
  /** Streams open now. */
  readonly openStreams: number;
  /** The most streams one player may have open in this process. */
  readonly maxStreamsPerPlayer: number;
}

/**
 * Creates the fan-out. Each stream has a bounded queue: a client that reads
 * slower than its events arrive loses its oldest items (logged) rather than
 * growing the gateway's memory without bound.
 */
export function createPlayerFeed(options: PlayerFeedOptions): PlayerFeed {
  const queueLimit = options.queueLimit ?? defaultQueueLimit;
  const byPlayer = new Map<string, Set<Stream>>();
  let open = 0;
  const forget = (stream: Stream) => {
    const streams = byPlayer.get(stream.playerId);
    if (streams?.delete(stream) !== true) return;
    open -= 1;
    if (streams.size === 0) byPlayer.delete(stream.playerId);
  };
  return {
    deliver(delivery) {
      for (const stream of byPlayer.get(delivery.playerId) ?? []) {
        if (stream.wants(delivery)) stream.push(delivery.item);
      }
    },
    open(playerId, characterIds) {
      const streams = byPlayer.get(playerId) ?? new Set<Stream>();
      if (streams.size >= options.maxStreamsPerPlayer) {
        throw new DomainError(ErrorReason.RATE_LIMITED, `a player may have at most ${options.maxStreamsPerPlayer} event streams open; close one first`, {
          max_streams: String(options.maxStreamsPerPlayer),
        });
      }
      const stream = new Stream(playerId, characterIds.length === 0 ? undefined : new Set(characterIds), queueLimit, forget, options.logger);
      streams.add(stream);
      byPlayer.set(playerId, streams);
      open += 1;
      return stream;
    },
    endAll() {
      for (const streams of [...byPlayer.values()]) for (const stream of [...streams]) stream.end();
    },
    maxStreamsPerPlayer: options.maxStreamsPerPlayer,
    get openStreams() {
      return open;
    },
  };
}

class Stream implements FeedStream {
  private readonly queue: StreamPlayerEventsResponse[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private dropped = 0;

  constructor(
    readonly playerId: string,
    private readonly characters: ReadonlySet<string> | undefined,
    private readonly limit: number,
    private readonly onEnd: (stream: Stream) => void,
    private readonly logger: Logger,
  ) {}

  wants(delivery: FeedDelivery): boolean {
    return this.characters === undefined || delivery.characterIds.some((id) => this.characters!.has(id));
  }

  push(item: StreamPlayerEventsResponse): void {
    if (this.ended) return;
    if (this.queue.length >= this.limit) {
      this.queue.shift();
      this.dropped += 1;
      if (this.dropped === 1) this.logger.warn({ playerId: this.playerId, behind: this.limit }, "event stream reads too slowly: dropping its oldest items");
    }
    this.queue.push(item);
    this.wake?.();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
    this.wake?.();
  }

  async *items(signal: AbortSignal): AsyncIterable<StreamPlayerEventsResponse> {
    const onAbort = () => this.wake?.();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      while (!this.ended && !signal.aborted) {
        const next = this.queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (this.dropped > 0) {
          this.logger.warn({ playerId: this.playerId, dropped: this.dropped }, "event stream caught up after dropping items");
          this.dropped = 0;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.end();
    }
  }
}
