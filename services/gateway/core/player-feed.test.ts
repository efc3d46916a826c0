import { create } from "@bufbuild/protobuf";
import { StreamPlayerEventsResponseSchema } from "@chaos/gen/chaos/gateway/v1/gateway_service_pb.js";
import { ErrorReason } from "@chaos/gen/chaos/gateway/v1/errors_pb.js";
import { DomainError, createLogger } from "@chaos/mesh";
import { describe, expect, it } from "vitest";
import type { FeedDelivery } from "./feed-events.js";
import { createPlayerFeed, type FeedStream } from "./player-feed.js";

const logger = createLogger("gateway-test", "silent");
const delivery = (playerId: string, eventId: string, characterIds = ["c1"]): FeedDelivery => ({
  playerId,
  characterIds,
  item: create(StreamPlayerEventsResponseSchema, { eventId }),
});

/** Reads `count` items from a stream, then stops reading. */
async function take(stream: FeedStream, count: number, signal = new AbortController().signal): Promise<string[]> {
  const ids: string[] = [];
  if (count === 0) return ids;
  for await (const item of stream.items(signal)) {
    ids.push(item.eventId);
    if (ids.length === count) break;
  }
  return ids;
}

describe("player feed", () => {
  it("delivers a player's items to each of their streams in order, and nobody else's", async () => {
    const feed = createPlayerFeed({ maxStreamsPerPlayer: 5, logger });
    const first = feed.open("a", []);
    const second = feed.open("a", []);
    const other = feed.open("b", []);
    feed.deliver(delivery("a", "e1"));
    feed.deliver(delivery("b", "x1"));
    feed.deliver(delivery("a", "e2"));
    expect(await take(first, 2)).toEqual(["e1", "e2"]);
    expect(await take(second, 2)).toEqual(["e1", "e2"]);
    expect(await take(other, 1)).toEqual(["x1"]);
  });

  it("waits for items that arrive later", async () => {
    const feed = createPlayerFeed({ maxStreamsPerPlayer: 5, logger });
    const stream = feed.open("a", []);
    const read = take(stream, 1);
    setTimeout(() => feed.deliver(delivery("a", "late")), 20);
    expect(await read).toEqual(["late"]);
  });

  it("keeps to the characters a stream asked for", async () => {
    const feed = createPlayerFeed({ maxStreamsPerPlayer: 5, logger });
    const stream = feed.open("a", ["c2"]);
    feed.deliver(delivery("a", "about-c1", ["c1"]));
    feed.deliver(delivery("a", "about-c1-and-c2", ["c1", "c2"]));
    feed.deliver(delivery("a", "about-c2", ["c2"]));
    expect(await take(stream, 2)).toEqual(["about-c1-and-c2", "about-c2"]);
  });

  it("drops the oldest items of a stream that falls too far behind", async () => {
    const feed = createPlayerFeed({ maxStreamsPerPlayer: 5, queueLimit: 3, logger });
    const stream = feed.open("a", []);
    for (const id of ["e1", "e2", "e3", "e4", "e5"]) feed.deliver(delivery("a", id));
    expect(await take(stream, 3)).toEqual(["e3", "e4", "e5"]);
  });

  it("refuses a stream beyond the per-player maximum until one ends", async () => {
    const feed = createPlayerFeed({ maxStreamsPerPlayer: 2, logger });
    const first = feed.open("a", []);
    feed.open("a", []);
    const refusal = (() => {
      try {
        feed.open("a", []);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(DomainError);
    expect((refusal as DomainError).reason).toBe(ErrorReason.RATE_LIMITED);
    expect(feed.open("b", [])).toBeDefined();
    first.end();
    expect(feed.open("a", [])).toBeDefined();
    expect(feed.openStreams).toBe(3);
  });

  it("ends a stream when its signal aborts or the feed ends all streams, freeing its place", async () => {
    const feed = createPlayerFeed({ maxStreamsPerPlayer: 1, logger });
    const aborter = new AbortController();
    const stream = feed.open("a", []);
    const read = take(stream, 10, aborter.signal);
    aborter.abort();
    expect(await read).toEqual([]);
    expect(feed.openStreams).toBe(0);

    const next = feed.open("a", []);
    const reading = take(next, 10);
    feed.endAll();
    expect(await reading).toEqual([]);
    expect(feed.openStreams).toBe(0);
  });
});
