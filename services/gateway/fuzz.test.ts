import http from "node:http";
import http2 from "node:http2";
import fs from "node:fs";
import { create, toBinary, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, describe, expect, it } from "vitest";
import { CombatService } from "@chaos/gen/chaos/combat/v1/combat_service_pb.js";
import { GatewayService } from "@chaos/gen/chaos/gateway/v1/gateway_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { containerResources } from "@chaos/mesh/dev";
import { useStack } from "../../scripts/test/stack.js";
import { positiveIntegerSetting } from "../../scripts/test/test-settings.js";
import { signUpAtEdge } from "./test-support.js";

/**
 * The fault suite's fuzzing run (issue 15): random and mutated requests at
 * the gateway's two edge ports, as a hostile or broken client sends them —
 * protobuf and JSON bodies, envelopes with lying lengths and flags, garbage
 * in the headers that steer the protocols (content type, timeouts,
 * authorization), methods and paths that do not exist. None may crash the
 * gateway, grow its memory without bound, or be answered INTERNAL (or HTTP
 * 500): malformed input is the caller's fault and gets a 4xx or a client-error
 * code. Afterwards the gateway and the services behind it serve a real player.
 *
 * CHAOS_FUZZ_INPUTS inputs (default 5,000, what the suite's time allows;
 * 1,000,000 for a long run by hand), from the seed CHAOS_FUZZ_SEED (printed)
 * so a failure can be replayed.
 */
const inputs = positiveIntegerSetting("CHAOS_FUZZ_INPUTS", 5_000);
// A fixed seed in the suite, so a run is repeatable; other seeds explore (seed 116846954 once drew an
// INTERNAL from identity's ListSessions, not yet explained: see issue 15's notes).
const seed = positiveIntegerSetting("CHAOS_FUZZ_SEED", 1_212_431_963);
/**
 * Bounded memory, as deployed: the services run with the pods' heap cap
 * (NODE_OPTIONS of the rendered manifests), and the gateway's resident memory
 * must stay under the pod's memory limit, where Kubernetes would kill it.
 * (Uncapped, V8 grows its heap lazily: 240 MiB to 680 MiB within 40,000
 * inputs, then about 20 MiB more per 50,000.)
 */
const memoryLimitBytes = mebibytes(containerResources.limits.memory);

/**
 * The services' log lines of calls that ended INTERNAL or UNKNOWN (the first
 * few): an INTERNAL the fuzzer meets is reported with the error that caused
 * it, on the run where it happened, since some depend on timing and do not
 * come back on a replay of the seed.
 */
const internalLogLines: string[] = [];

const stack = useStack(["identity", "player", "combat", "gateway"], {
  onLogLine: (service, line) => {
    if (internalLogLines.length < 10 && /"code":"(Internal|Unknown)"/.test(line)) internalLogLines.push(`[${service}] ${line.slice(0, 2_000)}`);
  },
  env: {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --max-old-space-size=${containerResources.maxOldSpaceMb}`.trim(),
    // The address limit raised out of the way (every input comes from 127.0.0.1), so inputs are judged on their content.
    CHAOS_GATEWAY_IP_RATE: "1000000/s burst 1000000",
    CHAOS_GATEWAY_PLAYER_RATE: "1000000/s burst 1000000",
  },
});

const services: readonly DescService[] = [GatewayService, IdentityService, PlayerService, CombatService];
const methods = services.flatMap((service) => service.methods.map((method) => ({ path: `/${service.typeName}/${method.name}`, input: method.input, streaming: method.methodKind !== "unary" })));

/** One request as sent: which port, and everything a client controls. */
interface FuzzRequest {
  readonly port: "http1" | "h2";
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

/** What came back, reduced to what the run judges. */
interface Verdict {
  readonly status: number;
  /** The Connect error code (JSON body) or gRPC status, when the answer carries one. */
  readonly code: string | undefined;
  /** Its message, for the report of a failure. */
  readonly message?: string;
}

describe("fault suite: fuzzed input at the gateway", () => {
  let agent: http.Agent | undefined;
  let session: http2.ClientHttp2Session | undefined;
  afterAll(() => {
    agent?.destroy();
    session?.close();
  });

  it("crashes nothing, answers no malformed input INTERNAL, keeps memory bounded, and serves players afterwards", { timeout: 60_000 + inputs * 2 }, async () => {
    const random = mulberry32(seed);
    const gatewayPid = stack.processes.get("gateway")!.child.pid!;
    const player = await signUpAtEdge(createConnectTransport({ baseUrl: stack.gateway.http1, httpVersion: "1.1" }));
    const rssBefore = residentBytes(gatewayPid);
    let rssPeak = rssBefore;

    agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    session = http2.connect(stack.gateway.grpc);
    session.on("error", () => undefined);
    const http1 = new URL(stack.gateway.http1);
    const byStatus = new Map<string, number>();
    const internal: string[] = [];
    let transportErrors = 0;
    const closedBecause = new Map<string, number>();
    const startedAt = Date.now();

    let next = 0;
    const worker = async () => {
      while (next < inputs) {
        next++;
        const request = fuzzRequest(random, player.accessToken);
        let verdict: Verdict;
        try {
          verdict = request.port === "http1" ? await sendHttp1(agent!, http1, request) : await sendH2(session!, request);
        } catch (error) {
          // A connection or stream the gateway closed on garbage is an answer too; the gateway's health is judged below.
          transportErrors++;
          const why = `${request.port} ${error instanceof Error ? ((error as { code?: string }).code ?? error.message).slice(0, 60) : "?"}`;
          closedBecause.set(why, (closedBecause.get(why) ?? 0) + 1);
          if (request.port === "h2" && (session!.destroyed || session!.closed)) {
            session = http2.connect(stack.gateway.grpc);
            session.on("error", () => undefined);
          }
          continue;
        }
        const key = `${request.port} ${verdict.status} ${verdict.code ?? "-"}`;
        byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
        // Judged: INTERNAL (a bug's code), UNKNOWN, or an HTTP 500. (501 is UNIMPLEMENTED, which the Connect
        // protocol prescribes for an unsupported content encoding; 503 is an owner that is down.)
        if (verdict.status === 500 || ["internal", "13", "unknown", "2"].includes(verdict.code ?? "")) {
          if (internal.length < 10) internal.push(`${key} (${verdict.message ?? ""}): ${request.method} ${request.path} ${JSON.stringify(request.headers)} body ${Buffer.from(request.body.slice(0, 64)).toString("hex")}`);
        }
        if (next % 2_000 === 0 && process.env.CHAOS_FUZZ_TRACE === "1") console.log(`fuzz ${next}: gateway RSS ${mib(residentBytes(gatewayPid))} MiB`);
        if (next % 2_000 === 0) rssPeak = Math.max(rssPeak, residentBytes(gatewayPid));
      }
    };
    await Promise.all(Array.from({ length: 24 }, worker));
    const seconds = (Date.now() - startedAt) / 1000;
    const rssAfter = residentBytes(gatewayPid);
    rssPeak = Math.max(rssPeak, rssAfter);

    console.log(
      `fault suite (fuzz): ${JSON.stringify({
        seed,
        inputs,
        seconds: Math.round(seconds),
        inputsPerSecond: Math.round(inputs / seconds),
        transportErrors,
        closedBecause: Object.fromEntries(closedBecause),
        gatewayRssMiB: { before: mib(rssBefore), peak: mib(rssPeak), after: mib(rssAfter), limit: mib(memoryLimitBytes), heapCap: containerResources.maxOldSpaceMb },
        answers: Object.fromEntries([...byStatus].sort((a, b) => b[1] - a[1]).slice(0, 20)),
      })}`,
    );
    expect(internal, `seed ${seed}; the services logged:\n${internalLogLines.join("\n")}`).toEqual([]);
    expect(stack.processes.get("gateway")!.child.exitCode).toBeNull();
    expect(rssPeak).toBeLessThan(memoryLimitBytes);
    // The gateway, and identity, player and combat behind it, still serve a real player.
    const transport = createConnectTransport({ baseUrl: stack.gateway.http1, httpVersion: "1.1" });
    const again = await signUpAtEdge(transport);
    const auth = { headers: { authorization: `Bearer ${again.accessToken}` } };
    const { character } = await createClient(PlayerService, transport).createCharacter({ name: `Fz${String(seed).slice(0, 10)}`, characterClass: CharacterClass.MAGE }, auth);
    const state = await createClient(CombatService, transport).getCombatState({ characterId: character!.characterId }, auth);
    expect(state.mana).toBe(120);
  });
});

/** One fuzzed request: a protocol and a body shape picked at random, then spoiled in one or more ways. */
function fuzzRequest(random: () => number, token: string): FuzzRequest {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const method = pick(methods);
  const headers: Record<string, string> = {};
  // Header values and paths stay within what HTTP lets a client send at all (else Node's own client refuses them).
  if (random() < 0.5) headers.authorization = random() < 0.5 ? `Bearer ${token}` : pick(["Bearer", "Bearer ", `Bearer ${headerSafe(mutateText(random, token))}`, "Basic Zm9vOmJhcg==", headerSafe(garbageText(random, 40))]);
  const path = random() < 0.9 ? method.path : pick(["/", "/chaos.nope.v1.Nope/Call", `${method.path}/extra`, method.path.toLowerCase(), `/${encodeURIComponent(garbageText(random, 20))}`, "/grpc.health.v1.Health/Check"]);
  const shape = random();
  if (shape < 0.2) {
    // gRPC over HTTP/2: envelopes with random flags and lengths.
    Object.assign(headers, { "content-type": pick(["application/grpc", "application/grpc+proto", "application/grpc+json", "application/grpc; charset=x"]), te: "trailers" });
    if (random() < 0.3) headers["grpc-timeout"] = pick(["1m", "0S", "99999999H", "-1S", "abc", "1u", ""]);
    if (random() < 0.2) headers["grpc-encoding"] = pick(["gzip", "br", "identity", "x"]);
    return { port: "h2", method: "POST", path, headers, body: envelopes(random, messageBytes(random, method.input)) };
  }
  if (shape < 0.35) {
    // gRPC-Web or Connect streaming over HTTP/1.1: envelopes again.
    headers["content-type"] = pick(["application/grpc-web+proto", "application/grpc-web", "application/grpc-web-text", "application/connect+proto", "application/connect+json"]);
    return { port: "http1", method: "POST", path, headers, body: envelopes(random, messageBytes(random, method.input)) };
  }
  if (shape < 0.45) {
    // Connect GET (only side-effect-free methods may) with a mangled query, or a method that is not POST.
    const query = `?encoding=${pick(["proto", "json", "xml", ""])}&message=${encodeURIComponent(garbageText(random, 30))}${random() < 0.5 ? "&base64=1" : ""}${random() < 0.3 ? "&connect=v1" : ""}`;
    return { port: "http1", method: pick(["GET", "GET", "PUT", "DELETE", "PATCH", "OPTIONS"]), path: path + query, headers, body: new Uint8Array() };
  }
  // Connect unary: a protobuf or JSON body, mutated.
  const json = random() < 0.5;
  headers["content-type"] = random() < 0.85 ? (json ? "application/json" : "application/proto") : pick(["text/plain", "application/json; charset=latin1", "application/x-protobuf", "multipart/form-data", headerSafe(garbageText(random, 12))]);
  if (random() < 0.3) headers["connect-protocol-version"] = pick(["1", "2", "0", "", "one"]);
  if (random() < 0.3) headers["connect-timeout-ms"] = pick(["1", "0", "-5", "9999999999", "1e3", "abc", "10"]);
  if (random() < 0.1) headers["content-encoding"] = pick(["gzip", "br", "x", "identity"]);
  return { port: "http1", method: "POST", path, headers, body: json ? Buffer.from(jsonBody(random), "utf8") : messageBytes(random, method.input) };
}

/** A message of `schema` (empty, so every field at its default) spoiled at random, or random bytes. */
function messageBytes(random: () => number, schema: DescMessage): Uint8Array {
  const valid = toBinary(schema, create(schema));
  const roll = random();
  if (roll < 0.3) return Uint8Array.from(randomBytes(random, Math.floor(random() * 64)));
  // Hand-made fields: a tag of each wire type with values that may lie (a length past the end, a bad wire type).
  const parts: number[] = [...valid];
  const fields = Math.floor(random() * 6);
  for (let i = 0; i < fields; i++) {
    const field = 1 + Math.floor(random() * 20);
    const wire = Math.floor(random() * 8);
    parts.push(...varint(field * 8 + wire));
    if (wire === 0) parts.push(...varint(Math.floor(random() * 2 ** 32)));
    else if (wire === 2) {
      const length = random() < 0.8 ? Math.floor(random() * 40) : Math.floor(random() * 2 ** 28);
      parts.push(...varint(length), ...randomBytes(random, Math.min(length, 40)));
    } else parts.push(...randomBytes(random, wire === 1 ? 8 : wire === 5 ? 4 : Math.floor(random() * 4)));
  }
  return roll < 0.7 ? Uint8Array.from(parts) : mutateBytes(random, Uint8Array.from(parts));
}

/** Length-prefixed envelopes (flag byte, 4-byte length) around `message`, with flags and lengths that may lie. */
function envelopes(random: () => number, message: Uint8Array): Uint8Array {
  const frames: number[] = [];
  const count = random() < 0.8 ? 1 : Math.floor(random() * 4);
  for (let i = 0; i < count; i++) {
    const flag = random() < 0.7 ? 0 : Math.floor(random() * 256);
    const honest = random() < 0.6;
    const length = honest ? message.length : random() < 0.5 ? Math.floor(random() * 2 ** 32) : Math.max(0, message.length + Math.floor(random() * 21) - 10);
    frames.push(flag, (length >>> 24) & 255, (length >>> 16) & 255, (length >>> 8) & 255, length & 255, ...message);
  }
  if (random() < 0.1) frames.splice(Math.floor(random() * frames.length));
  return Uint8Array.from(frames);
}

/** JSON that is wrong in one of the ways clients get it wrong: syntax, types, names, sizes, depth. */
function jsonBody(random: () => number): string {
  const roll = random();
  if (roll < 0.15) return garbageText(random, 60);
  if (roll < 0.25) return "[".repeat(1 + Math.floor(random() * 5_000));
  if (roll < 0.35) return JSON.stringify({ characterId: garbageText(random, 10), spellId: Math.floor(random() * 1e9), targetId: null, email: [], password: {} });
  if (roll < 0.45) return `{"${garbageText(random, 8)}": ${JSON.stringify(garbageText(random, 30))}}`;
  if (roll < 0.55) return JSON.stringify({ zoneId: "x".repeat(Math.floor(random() * 100_000)) });
  if (roll < 0.65) return JSON.stringify({ pageSize: random() < 0.5 ? -1 : 1e300, pageToken: garbageText(random, 300) });
  if (roll < 0.75) return `{"characterId": "${"\\u0000".repeat(10)}", "name": "\ud800"}`;
  const valid = JSON.stringify({ characterId: "7d1a0000-0000-4000-8000-000000000001", spellId: "fireball", targetId: "7d1a0000-0000-4000-8000-000000000002" });
  return mutateText(random, valid);
}

function mutateBytes(random: () => number, bytes: Uint8Array): Uint8Array {
  const out = [...bytes];
  const edits = 1 + Math.floor(random() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * (out.length + 1));
    const roll = random();
    if (roll < 0.4 && out.length > 0) out[Math.min(at, out.length - 1)] = Math.floor(random() * 256);
    else if (roll < 0.7) out.splice(at, 0, ...randomBytes(random, 1 + Math.floor(random() * 8)));
    else out.splice(at, 1 + Math.floor(random() * 8));
  }
  return Uint8Array.from(out);
}

function mutateText(random: () => number, text: string): string {
  return Buffer.from(mutateBytes(random, Buffer.from(text, "utf8"))).toString("latin1");
}

/** `text` with every character outside visible ASCII and space replaced: a value a header may carry. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?");
}

function garbageText(random: () => number, maxLength: number): string {
  const alphabet = "abcXYZ019{}[]\":,\\/ \t\n%+=-_.~\u00e9\u4e16";
  return Array.from({ length: Math.floor(random() * maxLength) }, () => alphabet[Math.floor(random() * alphabet.length)]).join("");
}

function randomBytes(random: () => number, length: number): number[] {
  return Array.from({ length }, () => Math.floor(random() * 256));
}

function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 128) {
    out.push((rest % 128) | 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

async function sendHttp1(agent: http.Agent, base: URL, request: FuzzRequest): Promise<Verdict> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: base.hostname, port: base.port, method: request.method, path: request.path, headers: { ...request.headers, "content-length": String(request.body.length) }, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.length < 64 && chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const grpcStatus = res.headers["grpc-status"] ?? res.trailers["grpc-status"];
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, code: typeof grpcStatus === "string" ? grpcStatus : connectCode(body) ?? grpcWebTrailerStatus(body), message: body.toString("latin1").slice(0, 200) });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("no answer in 10 s")));
    req.on("error", reject);
    req.end(request.body);
  });
}

async function sendH2(session: http2.ClientHttp2Session, request: FuzzRequest): Promise<Verdict> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":method": request.method, ":path": request.path, ...request.headers });
    let status = 0;
    let code: string | undefined;
    let message: string | undefined;
    stream.setTimeout(10_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    stream.on("response", (headers) => {
      status = Number(headers[":status"] ?? 0);
      if (typeof headers["grpc-status"] === "string") code = headers["grpc-status"];
      if (typeof headers["grpc-message"] === "string") message = decodeURIComponent(headers["grpc-message"]);
    });
    stream.on("trailers", (trailers) => {
      if (typeof trailers["grpc-status"] === "string") code = trailers["grpc-status"];
      if (typeof trailers["grpc-message"] === "string") message = decodeURIComponent(trailers["grpc-message"]);
    });
    stream.on("data", () => undefined);
    stream.on("error", reject);
    stream.on("close", () => (status === 0 ? reject(new Error("stream closed without an answer")) : resolve({ status, code, message })));
    stream.end(request.body);
  });
}

/** The "code" of a Connect JSON error body, if the body is one. */
function connectCode(body: Buffer): string | undefined {
  if (body.length === 0 || body[0] !== 0x7b) return undefined;
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { code?: unknown };
    return typeof parsed.code === "string" ? parsed.code : undefined;
  } catch {
    return undefined;
  }
}

/** The grpc-status in a gRPC-Web trailer frame (flag 0x80) at the end of the body, if any. */
function grpcWebTrailerStatus(body: Buffer): string | undefined {
  const match = /grpc-status:\s*(\d+)/i.exec(body.toString("latin1"));
  return match?.[1];
}

function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0) * 1024;
}

/** "512Mi" as bytes. */
function mebibytes(quantity: string): number {
  const match = /^(\d+)Mi$/.exec(quantity);
  if (match === null) throw new Error(`not a Mi quantity: ${quantity}`);
  return Number(match[1]) * 1024 * 1024;
}

function mib(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}

/** A small seeded generator (mulberry32): the same seed gives the same inputs. */
function mulberry32(start: number): () => number {
  let state = start >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
