import type { Logger } from "pino";
import type { TerritoryUpdate } from "./live.js";
import { tooManyStreams } from "./refusals.js";

/** What a stream yields: the territories as they are, the end of that snapshot, then changes. */
export type StreamItem = { readonly kind: "snapshot"; readonly update: TerritoryUpdate } | { readonly kind: "live" } | { readonly kind: "changed"; readonly update: TerritoryUpdate };

/** Thrown into a stream that fell too far behind; the client re-opens it and gets a fresh snapshot. */
export class StreamFellBehind extends Error {
  constructor(limit: number) {
    super(`the territory stream fell more than ${limit} updates behind; open it again`);
    this.name = "StreamFellBehind";
  }
}

/** Where streams read from: the territories now, and their revisions (for the sweep). */
export interface StreamSource {
  /** The territories of a zone (every zone when undefined) as they are now. */
  snapshot(zoneId: string | undefined): Promise<TerritoryUpdate[]>;
  revisions(): Promise<Map<string, bigint>>;
}

/** The open TerritoryStreams streams of this replica. */
export interface TerritoryStreams {
  open(playerId: string, zoneId: string | undefined, signal: AbortSignal): AsyncIterable<StreamItem>;
  /** A committed change, from any replica (through the live fan-out). */
  changed(update: TerritoryUpdate): void;
  readonly openStreams: number;
  /** Ends every stream (a drain: their clients re-open on another replica). */
  endAll(): void;
  stop(): void;
}

interface OpenStream {
  readonly playerId: string;
  readonly zoneId: string | undefined;
  readonly queue: TerritoryUpdate[];
  wake: () => void;
  failure: Error | undefined;
  ended: boolean;
}

/** Limits of {@link createTerritoryStreams}. */
export interface StreamLimits {
  readonly maxStreamsPerPlayer: number;
  readonly queueLimit: number;
  readonly sweepMs: number;
  readonly logger: Logger;
}

/**
 * Streams of territory state. A stream subscribes before it reads its
 * snapshot, so nothing committed in between is missed, and sends an update
 * only when its revision is newer than what it sent of that territory, so
 * nothing is sent twice or out of order. Live updates come from the fan-out;
 * while streams are open, a sweep compares the territories' revisions with
 * the newest this replica saw and re-reads those that moved on, which
 * catches up a notice the fan-out lost.
 */
export function createTerritoryStreams(source: StreamSource, limits: StreamLimits): TerritoryStreams {
  const streams = new Set<OpenStream>();
  /** The newest revision this replica saw of each territory. */
  const seen = new Map<string, bigint>();
  const note = (update: TerritoryUpdate) => {
    const id = update.territory.territoryId;
    if ((seen.get(id) ?? -1n) < update.territory.revision) seen.set(id, update.territory.revision);
  };

  const dispatch = (update: TerritoryUpdate) => {
    note(update);
    for (const stream of streams) {
      if (stream.zoneId !== undefined && stream.zoneId !== update.territory.zoneId) continue;
      if (stream.queue.length >= limits.queueLimit) {
        stream.failure = new StreamFellBehind(limits.queueLimit);
        stream.wake();
        continue;
      }
      stream.queue.push(update);
      stream.wake();
    }
  };

  let sweeping = false;
  const sweep = async () => {
    if (streams.size === 0 || sweeping) return;
    sweeping = true;
    try {
      const revisions = await source.revisions();
      const behind = [...revisions].filter(([id, revision]) => revision > (seen.get(id) ?? -1n)).map(([id]) => id);
      if (behind.length === 0) return;
      for (const update of await source.snapshot(undefined)) if (behind.includes(update.territory.territoryId)) dispatch(update);
    } catch (error) {
      limits.logger.warn({ err: error }, "territory stream sweep failed; the next one tries again");
    } finally {
      sweeping = false;
    }
  };
  const timer = setInterval(() => void sweep(), limits.sweepMs);
  timer.unref();

  return {
    async *open(playerId, zoneId, signal) {
      const mine = [...streams].filter((s) => s.playerId === playerId).length;
      // Nothing says when one of the player's streams ends: the client is told to look again in a second.
      if (mine >= limits.maxStreamsPerPlayer) throw tooManyStreams(limits.maxStreamsPerPlayer, 1_000);
      const stream: OpenStream = { playerId, zoneId, queue: [], wake: () => undefined, failure: undefined, ended: false };
      streams.add(stream);
      const ended = () => {
        stream.ended = true;
        stream.wake();
      };
      signal.addEventListener("abort", ended, { once: true });
      try {
        const sent = new Map<string, bigint>();
        for (const update of await source.snapshot(zoneId)) {
          note(update);
          sent.set(update.territory.territoryId, update.territory.revision);
          yield { kind: "snapshot", update };
        }
        yield { kind: "live" };
        while (!stream.ended && !signal.aborted) {
          if (stream.failure !== undefined) throw stream.failure;
          const update = stream.queue.shift();
          if (update === undefined) {
            await new Promise<void>((resolve) => (stream.wake = resolve));
            continue;
          }
          const id = update.territory.territoryId;
          if (update.territory.revision <= (sent.get(id) ?? -1n)) continue;
          sent.set(id, update.territory.revision);
          yield { kind: "changed", update };
        }
      } finally {
        signal.removeEventListener("abort", ended);
        streams.delete(stream);
      }
    },
    changed: dispatch,
    get openStreams() {
      return streams.size;
    },
    endAll() {
      for (const stream of streams) {
        stream.ended = true;
        stream.wake();
      }
    },
    stop() {
      clearInterval(timer);
    },
  };
}
