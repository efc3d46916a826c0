/**
 * Chat fan-out: one writer posts to a zone channel through the gateway
 * (client → gateway → chat: PostgreSQL commit, Redis notice) while 1,000
 * StreamMessages subscribers of that zone read through the gateway (chat
 * replica → gateway → client), then the same on chat's internal face
 * without the gateway, next to a bare Redis pub/sub fan-out of the
 * same payload to 1,000 subscriber connections, in one run. Each is measured
 * flat out (posts/s and deliveries/s, 4 writers) and then paced at half of
 * that rate (delivery latency from the post's send to each subscriber's
 * receipt, p50/p99). All clients run in the bench's Node process, on the
 * same 2 cores as the services, PostgreSQL, Redis and Kafka.
 */
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { createClient, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Redis } from "ioredis";
import { logLevel } from "kafkajs";
import { ChatService, StreamItemKind } from "@chaos/gen/chaos/chat/v1/chat_service_pb.js";
import { CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { CharacterCreatedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { connectKafka, ensureTopics, newCloudEvent, principalHeader, toKafkaHeaders, topicName } from "@chaos/mesh";
import { toBinary } from "@bufbuild/protobuf";
import type { InfraEndpoints } from "../scripts/infra/index.js";
import { signUp } from "../scripts/test/players.js";
import { startStack } from "../scripts/test/stack.js";
import { postgresBackends, startCpuMeter, type CpuReading } from "./cpu-meter.js";

/** The sizes and durations of a run. */
export interface ChatFanoutPlan {
  readonly subscribers: number;
  /** Concurrent writers of the flat-out measurement. */
  readonly writers: number;
  readonly flatOutSeconds: number;
  readonly pacedSeconds: number;
  /** Client HTTP/2 connections the subscribers' streams share. */
  readonly connections: number;
}

export const defaultChatFanoutPlan: ChatFanoutPlan = { subscribers: 1_000, writers: 4, flatOutSeconds: 5, pacedSeconds: 5, connections: 10 };

/** One measurement of one path. */
export interface FanoutRow {
  readonly path: string;
  readonly mode: "flat out" | "paced";
  readonly postsPerSecond: number;
  readonly deliveriesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Deliveries expected (posts × subscribers) that did not arrive within the drain time. */
  readonly missing: number;
  /** CPU per delivery by process, and the machine's busy cores meanwhile. */
  readonly cpu: CpuReading;
}

export interface ChatFanoutResult {
  readonly plan: ChatFanoutPlan;
  readonly rows: readonly FanoutRow[];
  readonly payloadBytes: number;
}

const playerSource = "spiffe://chaos.world/ns/chaos/sa/player";

/** A fan-out path as the measurement drives it. */
interface FanoutPath {
  /** Sends one message carrying `text`; resolves when the sender got its answer. */
  send(text: string): Promise<void>;
  /** Called with each received text, per subscriber. */
  onReceive: (handler: (text: string) => void) => void;
}

export async function runChatFanoutBench(infra: InfraEndpoints, plan: ChatFanoutPlan = defaultChatFanoutPlan): Promise<ChatFanoutResult> {
  const stackEnv = {
    // Twice the subscribers: the first path's streams may still be closing when the second opens its own.
    CHAOS_CHAT_MAX_STREAMS_PER_PLAYER: String(plan.subscribers * 2),
    CHAOS_CHAT_POSTS_PER_MINUTE: "1000000",
    CHAOS_CHAT_POST_BURST: "100000",
    CHAOS_CHAT_DUPLICATE_WINDOW_SECONDS: "0",
    CHAOS_CHAT_STREAM_QUEUE_LIMIT: "100000",
    CHAOS_GATEWAY_PLAYER_RATE: "100000/s burst 100000",
    CHAOS_GATEWAY_IP_RATE: "100000/s burst 100000",
    CHAOS_LOG_LEVEL: "warn",
  };
  const stack = await startStack(infra, ["identity", "chat", "gateway"], { env: stackEnv });
  const rows: FanoutRow[] = [];
  let payloadBytes = 0;
  try {
    const player = await signUp(stack);
    const zoneId = `bench-${randomUUID().slice(0, 8)}`;
    const ids = Array.from({ length: plan.subscribers + 1 }, () => randomUUID());
    const kafka = connectKafka(infra.kafka, { clientId: "chat-bench", logLevel: logLevel.NOTHING });
    const topic = `${stack.world}.${topicName("player", "characters")}`;
    await ensureTopics(kafka, [topic]);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: ids.map((characterId) => {
        const event = create(CharacterCreatedSchema, { characterId, playerId: player.accountId, name: `B${characterId.slice(0, 8)}`, characterClass: CharacterClass.MAGE, position: { zoneId } });
        return { key: characterId, value: Buffer.from(toBinary(CharacterCreatedSchema, event)), headers: toKafkaHeaders(newCloudEvent(CharacterCreatedSchema.typeName, playerSource, characterId)) };
      }),
    });
    await producer.disconnect();
    const transports: Transport[] = Array.from({ length: plan.connections }, () => createGrpcTransport({ baseUrl: stack.gateway.grpc }));
    const auth = { headers: { authorization: `Bearer ${player.accessToken}` } };
    const chat = (i: number) => createClient(ChatService, transports[i % transports.length]!);
    const [writer, ...readers] = ids as [string, ...string[]];
    // Every character known to chat (it consumes player's events in the background).
    for (const characterId of ids) {
      for (let tries = 0; ; tries++) {
        const known = await chat(0).listChannels({ characterId }, auth).then((r) => r.channels.length === 2, () => false);
        if (known) break;
        if (tries > 600) throw new Error("chat did not learn of the bench's characters in time");
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const channelId = (await chat(0).listChannels({ characterId: writer }, auth)).channels[1]!.channelId;

    // The product twice: as game clients reach it (through the gateway), and on chat's internal face (as the
    // gateway's hop sees it), which tells the gateway's share of the cost.
    const direct = stack.operator.client(ChatService, "chat");
    const probe = new Redis(infra.redisUrl);
    const redisPid = Number(/process_id:(\d+)/.exec(await probe.info("server"))?.[1] ?? 0);
    await probe.quit();
    const meter = async () =>
      startCpuMeter({
        chat: [stack.processes.get("chat")!.child.pid!],
        gateway: [stack.processes.get("gateway")!.child.pid!],
        "bench client (Node)": [process.pid],
        redis: redisPid === 0 ? [] : [redisPid],
        postgres: await postgresBackends(infra.postgresAdminUrl, [`${stack.world}_chat`]),
      });
    const asPlayer = { headers: { [principalHeader]: player.accessToken } };
    const paths = [
      { name: `PostMessage → gateway → chat (PostgreSQL, Redis notice) → StreamMessages → gateway → ${plan.subscribers} clients`, client: chat, options: auth },
      { name: `the same on chat's internal face (mTLS gRPC, no gateway) → ${plan.subscribers} clients`, client: () => direct, options: asPlayer },
    ];
    for (const path of paths) {
      let handler: (text: string) => void = () => undefined;
      const controller = new AbortController();
      const lives: Promise<void>[] = readers.map(
        (characterId, i) =>
          new Promise<void>((live, failed) => {
            (async () => {
              for await (const item of path.client(i).streamMessages({ characterId }, { ...path.options, signal: controller.signal, timeoutMs: 600_000 })) {
                if (item.kind === StreamItemKind.LIVE) live();
                else handler(item.message!.text);
              }
            })().catch((error: unknown) => {
              if (!controller.signal.aborted) failed(error);
            });
          }),
      );
      await Promise.all(lives);
      const product: FanoutPath = {
        send: async (text) => {
          await path.client(0).postMessage({ characterId: writer, channelId, text }, path.options);
        },
        onReceive: (h) => (handler = h),
      };
      rows.push(...(await measure(path.name, product, plan, meter)));
      controller.abort();
    }

    // The same payload a product subscriber's notice carries (chat's Redis notice for one message).
    const sample = JSON.stringify({ t: "change", kind: "posted", rev: "123", m: { id: randomUUID(), ch: channelId, seq: "123", rev: "123", from: writer, fromPlayer: player.accountId, name: "Bxxxxxxxx", text: "0000000000000.000:0", at: Date.now(), del: null } });
    payloadBytes = Buffer.byteLength(sample);
    const bareChannel = `${stack.world}:bench:fanout`;
    const publisher = new Redis(infra.redisUrl);
    const subscribers = Array.from({ length: plan.subscribers }, () => new Redis(infra.redisUrl));
    let bareHandler: (text: string) => void = () => undefined;
    await Promise.all(
      subscribers.map(async (s) => {
        s.on("message", (_c: string, payload: string) => bareHandler((JSON.parse(payload) as { m: { text: string } }).m.text));
        await s.subscribe(bareChannel);
      }),
    );
    const bare: FanoutPath = {
      send: async (text) => {
        const notice = JSON.parse(sample) as { m: { text: string } };
        notice.m.text = text;
        await publisher.publish(bareChannel, JSON.stringify(notice));
      },
      onReceive: (handler) => (bareHandler = handler),
    };
    rows.push(...(await measure(`bare Redis PUBLISH → ${plan.subscribers} subscriber connections (ioredis)`, bare, plan, meter)));
    await Promise.all([publisher, ...subscribers].map((r) => r.quit()));
    for (const t of transports) (t as unknown as { close?: () => void }).close?.();
  } finally {
    await stack.stop();
  }
  return { plan, rows, payloadBytes };
}

/** Flat out with `writers` concurrent senders, then paced at half the rate reached; CPU per delivery from `meter`. */
async function measure(path: string, fanout: FanoutPath, plan: ChatFanoutPlan, meter: () => Promise<{ read(operations: number): CpuReading }>): Promise<FanoutRow[]> {
  let received = 0;
  let latencies: number[] = [];
  let counting = false;
  fanout.onReceive((text) => {
    received += 1;
    if (counting) latencies.push(performance.now() - Number(text.split(":")[0]));
  });
  const run = async (mode: FanoutRow["mode"], seconds: number, pace: number | undefined): Promise<FanoutRow> => {
    received = 0;
    latencies = [];
    counting = true;
    const cpu = await meter();
    let sent = 0;
    const started = performance.now();
    const until = started + seconds * 1000;
    const sender = async (index: number) => {
      for (let n = 0; performance.now() < until; n++) {
        if (pace !== undefined) {
          const due = started + (sent * 1000) / pace;
          if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
          if (performance.now() >= until) break;
        }
        sent += 1;
        await fanout.send(`${performance.now().toFixed(3)}:${index}`);
      }
    };
    await Promise.all(Array.from({ length: pace === undefined ? plan.writers : 1 }, (_, i) => sender(i)));
    const sendSeconds = (performance.now() - started) / 1000;
    // Let deliveries of the last posts arrive (up to 10 s).
    const expected = sent * plan.subscribers;
    const drainUntil = performance.now() + 10_000;
    while (received < expected && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
    const deliverSeconds = (performance.now() - started) / 1000;
    counting = false;
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
    return { path, mode, postsPerSecond: sent / sendSeconds, deliveriesPerSecond: received / deliverSeconds, p50Ms: at(0.5), p99Ms: at(0.99), missing: expected - received, cpu: cpu.read(received) };
  };
  // Unmeasured: connections warm, code compiled.
  await run("paced", 1, 20);
  const flat = await run("flat out", plan.flatOutSeconds, undefined);
  const paced = await run("paced", plan.pacedSeconds, Math.max(1, Math.floor(flat.postsPerSecond / 2)));
  return [flat, paced];
}
