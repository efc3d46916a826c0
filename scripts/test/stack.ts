import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, inject } from "vitest";
import type { BreakerOptions } from "@chaos/mesh/client";
import { createLogger, createMeshRuntime, type AuthorizationPolicy, ensureLocalPki, grantKafkaAcls, isStateless, kafkaAclsOf, kafkaEnv, loadMeshConfig, operatorIdentity, revokeKafkaAcls, type LocalPki, type MeshRuntime } from "@chaos/mesh";
import type { AclEntry } from "kafkajs";
import type { InfraEndpoints } from "../infra/index.js";
import { withKafkaAdmin } from "../infra/kafka.js";
import { provisionRedisUser, removeRedisUsers } from "../infra/redis.js";
import { serviceManifest } from "../infra/services.js";
import { buildWorkload, spawnService, type ServiceProcess } from "../lib/service-process.js";
import { rollout, type RolloutOptions, type RolloutResult } from "../lib/rollout.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

/** Options of {@link startStack}; every field has a documented default. */
export interface StackOptions {
  /** Extra environment of every service (service settings for the test, e.g. short respawn times). Default none. */
  readonly env?: Record<string, string>;
  /**
   * Run the services under the shipped policy as it is (services/authorization.json), where the
   * operator may call only its named methods. Default false: the operator, which drives the tests,
   * may call everything the stack serves.
   */
  readonly shippedPolicy?: boolean;
  /** Print the services' log lines. Default: only when CHAOS_TEST_LOGS=1. */
  readonly logs?: boolean;
  /**
   * Called with every log line of every service process (replicas too), printed
   * or not: a test that meets an unexpected answer can name the log line that
   * explains it, on the run where it happened. Default none.
   */
  readonly onLogLine?: (service: string, line: string) => void;
  /**
   * Per service, a port on 127.0.0.1 its database connections go to instead of
   * PostgreSQL's own: a fault proxy in front of the server (scripts/test/fault-proxy.ts).
   * Default none. The stack's own set-up and `databaseUrl` still reach the server directly.
   */
  readonly postgresThrough?: Readonly<Record<string, number>>;
  /**
   * Per calling service, per called service, a port on 127.0.0.1 the caller's
   * calls to that service's internal face go to instead (a fault proxy in
   * front of it, e.g. `{ combat: { player: port } }`): the caller reads a
   * registry of its own. Default none; every other caller reaches the service directly.
   */
  readonly callsThrough?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /**
   * Per service, how many processes run it (default 1): replicas on ports of
   * their own, sharing its database, Redis and consumer groups. Callers find
   * all of them in the registry and balance over them (round robin); the
   * second is `processes.get("<service>#2")` (and `restart("<service>#2")`).
   */
  readonly replicas?: Readonly<Record<string, number>>;
}

/** How many of a stack's services start at once (see startStack). */
const startConcurrency = 3;

/** Ports of one service of a stack. */
export interface StackPorts {
  readonly internal: number;
  readonly edge: number;
  readonly edgeHttp1: number;
  readonly admin: number;
}

/**
 * A world of real service processes for one test file: each service its own
 * process with its own SVID and its own fresh database, talking mTLS gRPC to
 * the others, all on the real PostgreSQL, Redis and Kafka, isolated from any
 * other stack by a world name (CHAOS_WORLD: topics, consumer groups, Redis keys).
 */
export interface Stack {
  readonly world: string;
  readonly pki: LocalPki;
  readonly registryFile: string;
  readonly ports: Readonly<Record<string, StackPorts>>;
  /** The ports of one process: "<service>" (as `ports`) or a replica's "<service>#<n>" (see StackOptions.replicas). */
  portsOf(label: string): StackPorts;
  /** The gateway's edge face: `grpc` (HTTP/2 cleartext: gRPC, Connect) and `http1` (browsers: Connect, gRPC-Web). */
  readonly gateway: { readonly grpc: string; readonly http1: string; readonly grpcAddress: string };
  /** A mesh runtime with the "operator" workload identity: typed clients of any service's internal face. */
  readonly operator: MeshRuntime;
  /**
   * One more operator runtime, with breakers of its own settings (e.g. a
   * volume threshold never reached, so a test's calls keep reaching a failing
   * service whose own breakers it watches). Closed with the stack.
   */
  operatorWith(options: { readonly breaker: Partial<BreakerOptions> }): MeshRuntime;
  /** The environment every service of the stack was started with (each also gets its own REDIS_URL, Kafka login, database URLs and keys: {@link envOf}). */
  readonly env: Readonly<Record<string, string>>;
  /** The whole environment `service` was started with: for a test that starts one more process of it by hand. */
  envOf(service: string): Record<string, string>;
  readonly processes: ReadonlyMap<string, ServiceProcess>;
  /** The database URL of a service of the stack, as its owner (the admin): for a test's own inspection or tampering. */
  databaseUrl(service: string): string;
  /** The URL the service itself connects with (DATABASE_URL): its runtime role when it has append-only tables, else the owner's. */
  runtimeDatabaseUrl(service: string): string;
  /** Kills a service (SIGKILL by default) and starts it again on the same ports. */
  restart(service: string, signal?: NodeJS.Signals): Promise<void>;
  /**
   * Rolls a service's processes over to a new release (here: its environment
   * with `release.env` on top), canary first, with automatic rollback (see
   * scripts/lib/rollout.ts); the processes keep their ports.
   */
  rollout(service: string, release: { readonly env: Readonly<Record<string, string>> }, options?: RolloutOptions): Promise<RolloutResult>;
  /**
   * Starts one more process of a service of the stack, on ports of its own,
   * sharing the service's database, Redis and topics (its consumer joins the
   * same group), as a second replica in a cluster would. Stopped with the stack.
   */
  startReplica(service: string): Promise<StackReplica>;
  stop(): Promise<void>;
}

/** An extra process of a stack's service (see Stack.startReplica). */
export interface StackReplica {
  readonly ports: StackPorts;
  /** A mesh runtime with the "operator" workload identity whose clients of the service reach this replica. */
  readonly operator: MeshRuntime;
  /** SIGTERM by default (a drain). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The service a process label ("<service>" or "<service>#<n>") runs. */
const serviceOf = (label: string) => label.split("#")[0]!;

/** Starts `services` (in the order given) as a fresh world on the test infrastructure. */
export async function startStack(infra: InfraEndpoints, services: readonly string[], options: StackOptions = {}): Promise<Stack> {
  const world = `t${randomBytes(5).toString("hex")}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `chaos-${world}-`));
  const pki = await ensureLocalPki(path.join(dir, "pki"), [...new Set([...services, "gateway", "operator"])]);
  const ports: Record<string, StackPorts> = {};
  // Every process's ports, by label: "<service>" for the first, "<service>#<n>" for more replicas.
  const processPorts = new Map<string, StackPorts>();
  const labelsOf = (name: string) => Array.from({ length: options.replicas?.[name] ?? 1 }, (_, i) => (i === 0 ? name : `${name}#${i + 1}`));
  for (const name of services) {
    for (const label of labelsOf(name)) processPorts.set(label, { internal: await freePort(), edge: await freePort(), edgeHttp1: await freePort(), admin: await freePort() });
    ports[name] = processPorts.get(name)!;
  }
  const registryFile = path.join(dir, "registry.json");
  const entryOf = (p: StackPorts, internal = `127.0.0.1:${p.internal}`) => ({ internal, edge: `127.0.0.1:${p.edge}`, edgeHttp1: `127.0.0.1:${p.edgeHttp1}`, admin: `127.0.0.1:${p.admin}` });
  const registry: Record<string, Record<string, string>> = {};
  // Callers see every replica's internal face; the other faces are the first replica's.
  for (const [name, p] of Object.entries(ports)) registry[name] = entryOf(p, labelsOf(name).map((label) => `127.0.0.1:${processPorts.get(label)!.internal}`).join(","));
  fs.writeFileSync(registryFile, JSON.stringify({ services: registry }, null, 2));
  // A process that reads a registry of its own (kept for its restarts), by label: a replica's, where its own entry
  // is its own ports, or a caller whose calls go through proxies.
  const ownRegistry = new Map<string, string>();
  for (const name of services) {
    if ((options.replicas?.[name] ?? 1) < 2) continue;
    if (options.callsThrough?.[name] !== undefined) throw new Error(`${name}: replicas and callsThrough cannot be combined`);
    for (const label of labelsOf(name)) {
      const file = path.join(dir, `registry-${label.replace("#", "-")}.json`);
      fs.writeFileSync(file, JSON.stringify({ services: { ...registry, [name]: entryOf(processPorts.get(label)!) } }, null, 2));
      ownRegistry.set(label, file);
    }
  }
  for (const [caller, targets] of Object.entries(options.callsThrough ?? {})) {
    const file = path.join(dir, `registry-${caller}-through.json`);
    const throughProxies = Object.fromEntries(
      Object.entries(targets).map(([target, port]) => {
        if (registry[target] === undefined) throw new Error(`callsThrough: ${target} is not part of this stack`);
        return [target, { ...registry[target], internal: `127.0.0.1:${port}` }];
      }),
    );
    fs.writeFileSync(file, JSON.stringify({ services: { ...registry, ...throughProxies } }, null, 2));
    ownRegistry.set(caller, file);
  }
  const policyFile = path.join(dir, "authorization.json");
  fs.writeFileSync(policyFile, JSON.stringify(options.shippedPolicy === true ? shippedPolicy() : await testPolicy(services), null, 2));
  const databases = new Map<string, Awaited<ReturnType<typeof createTestDatabase>>>();
  // What one service gets and no other: the keys its manifest asks for (fresh per world; a test's own env wins) and its Redis login; kept for restarts and replicas.
  const ownEnv = new Map<string, Record<string, string>>();
  // Each service that uses Redis logs in as a user of its own in this world, reaching its own keys only
  // (on the test's REDIS_URL when it gives one, e.g. through a fault proxy).
  const { REDIS_URL: redisBase = infra.redisUrl, ...extraEnv } = options.env ?? {};
  const redisUsers: string[] = [];
  // And to Kafka as its own user, which this world's ACLs let reach its own topics and groups only.
  const acls: AclEntry[] = [];
  // All services' databases and logins at once: each is a few round trips to PostgreSQL or Redis.
  await Promise.all(services.map(async (name) => {
    const manifest = await serviceManifest(name);
    const kafkaLogin = infra.kafkaLogins[name];
    if (kafkaLogin !== undefined && kafkaLogin.username !== infra.kafka.login?.username) acls.push(...kafkaAclsOf(manifest, kafkaLogin.username, world));
    if (!isStateless(manifest)) databases.set(name, await createTestDatabase(infra.postgresAdminUrl, `${world}_${name}`, { runtimeRole: true }));
    const redis: Record<string, string> = {};
    if (manifest.state?.redis === true) {
      const user = `${world}-${name}`;
      redisUsers.push(user);
      redis.REDIS_URL = await provisionRedisUser(infra.redisUrl, user, name, randomBytes(18).toString("base64url"), world, redisBase);
    }
    ownEnv.set(name, {
      ...redis,
      ...kafkaEnv({ brokers: infra.kafka.brokers, login: kafkaLogin }),
      ...Object.fromEntries((manifest.secrets ?? []).map((key) => [key.variable, options.env?.[key.variable] ?? randomBytes(key.bytes).toString("base64")])),
    });
  }));
  const env: Record<string, string> = {
    CHAOS_WORLD: world,
    CHAOS_PKI_DIR: pki.dir,
    CHAOS_REGISTRY: registryFile,
    CHAOS_POLICY: policyFile,
    KAFKA_BROKERS: infra.kafka.brokers.join(","),
    CHAOS_LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? "info",
    ...extraEnv,
  };
  await withKafkaAdmin(infra.kafka, (admin) => grantKafkaAcls(admin, acls));
  const showLogs = options.logs ?? process.env.CHAOS_TEST_LOGS === "1";
  const lineHandler = (label: string, service: string) => (line: string) => {
    if (showLogs) process.stdout.write(`[${label}] ${line}\n`);
    options.onLogLine?.(service, line);
  };
  const processes = new Map<string, ServiceProcess>();
  /** The environment of a process, by its label ("<service>" or "<service>#<n>"). */
  const envOf = (label: string) => {
    const name = serviceOf(label);
    return {
      ...env,
      ...ownEnv.get(name),
      ...databaseEnv(databases.get(name), options.postgresThrough?.[name]),
      ...(ownRegistry.has(label) ? { CHAOS_REGISTRY: ownRegistry.get(label)! } : {}),
    };
  };
  /** Per process, the environment of the release it runs on top of its own (see Stack.rollout). */
  const releaseEnv = new Map<string, Readonly<Record<string, string>>>();
  const launch = async (label: string) => {
    const name = serviceOf(label);
    const service = await spawnService(name, {
      env: { ...process.env, ...envOf(label), ...releaseEnv.get(label) },
      onLine: lineHandler(label, name),
    });
    processes.set(label, service);
  };
  const newOperator = (registry: string, breaker?: Partial<BreakerOptions>) =>
    createMeshRuntime(operatorIdentity, { config: { ...loadMeshConfig({}), pkiDir: pki.dir, registryFile: registry }, logger: createLogger("operator", "silent"), breaker });
  const operator = newOperator(registryFile);
  const extraOperators: MeshRuntime[] = [];
  const replicas: StackReplica[] = [];
  const stop = async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await Promise.all([operator, ...extraOperators].map((runtime) => runtime.close()));
    // A service ends on SIGTERM within its own deadline (runService); one that exits otherwise has a shutdown bug, said once the rest is cleaned up.
    const exits = await Promise.all([...processes.values()].map(async (p) => ({ process: p, code: await p.stop() })));
    await Promise.all([...databases.values()].map((database) => database.drop()));
    await removeRedisUsers(infra.redisUrl, redisUsers);
    await withKafkaAdmin(infra.kafka, (admin) => revokeKafkaAcls(admin, acls));
    fs.rmSync(dir, { recursive: true, force: true });
    const unclean = exits.filter(({ code }) => code !== 0 && code !== null);
    if (unclean.length > 0) {
      throw new Error(unclean.map(({ process: p, code }) => `${p.name} exited with ${code} on SIGTERM; its last output:\n${p.lastLines().join("\n")}`).join("\n\n"));
    }
  };
  try {
    // A few at a time: most of a start is the process's own CPU (loading, migrations), and a service never
    // needs another up to start (calls wait for their target; consumers wait for their topics).
    const queue = services.flatMap(labelsOf);
    const starter = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) await launch(name);
    };
    await Promise.all(Array.from({ length: Math.min(startConcurrency, services.length) }, starter));
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  const gatewayPorts = ports.gateway;
  return {
    world,
    pki,
    registryFile,
    ports,
    portsOf(label) {
      const own = processPorts.get(label);
      if (own === undefined) throw new Error(`${label} is not a process of this stack`);
      return own;
    },
    gateway: {
      grpc: `http://127.0.0.1:${gatewayPorts?.edge ?? 0}`,
      grpcAddress: `127.0.0.1:${gatewayPorts?.edge ?? 0}`,
      http1: `http://127.0.0.1:${gatewayPorts?.edgeHttp1 ?? 0}`,
    },
    operator,
    operatorWith({ breaker }) {
      const runtime = newOperator(registryFile, breaker);
      extraOperators.push(runtime);
      return runtime;
    },
    env,
    envOf,
    processes,
    databaseUrl(service) {
      const database = databases.get(service);
      if (database === undefined) throw new Error(`${service} has no database in this stack`);
      return database.url;
    },
    runtimeDatabaseUrl(service) {
      const database = databases.get(service);
      if (database === undefined) throw new Error(`${service} has no database in this stack`);
      return database.runtimeUrl ?? database.url;
    },
    async restart(service, signal = "SIGKILL") {
      await processes.get(service)?.stop(signal);
      await launch(service);
    },
    rollout(service, release, rolloutOptions) {
      const labels = [...processPorts.keys()].filter((label) => serviceOf(label) === service);
      if (labels.length === 0) throw new Error(`${service} is not part of this stack`);
      const previous = new Map(labels.map((label) => [label, releaseEnv.get(label) ?? {}]));
      return rollout(
        {
          labels,
          async replace(label, which) {
            await processes.get(label)?.stop("SIGTERM");
            releaseEnv.set(label, which === "next" ? { ...previous.get(label), ...release.env } : previous.get(label)!);
            await launch(label);
          },
          adminPort: (label) => processPorts.get(label)!.admin,
        },
        rolloutOptions,
      );
    },
    async startReplica(service) {
      if (ports[service] === undefined) throw new Error(`${service} is not part of this stack`);
      const replicaPorts = { internal: await freePort(), edge: await freePort(), edgeHttp1: await freePort(), admin: await freePort() };
      // The replica reads its own ports from a registry of its own; every other service stays where it is.
      const replicaRegistry = path.join(dir, `registry-${service}-${replicas.length + 1}.json`);
      const own = { internal: `127.0.0.1:${replicaPorts.internal}`, edge: `127.0.0.1:${replicaPorts.edge}`, edgeHttp1: `127.0.0.1:${replicaPorts.edgeHttp1}`, admin: `127.0.0.1:${replicaPorts.admin}` };
      fs.writeFileSync(replicaRegistry, JSON.stringify({ services: { ...registry, [service]: own } }, null, 2));
      const child = await spawnService(service, {
        env: { ...process.env, ...envOf(service), CHAOS_REGISTRY: replicaRegistry },
        onLine: lineHandler(`${service}#${replicas.length + 2}`, service),
      });
      const replicaOperator = newOperator(replicaRegistry);
      let stopped: Promise<void> | undefined;
      const replica: StackReplica = {
        ports: replicaPorts,
        operator: replicaOperator,
        stop: (signal = "SIGTERM") =>
          (stopped ??= (async () => {
            await replicaOperator.close();
            await child.stop(signal);
          })()),
      };
      replicas.push(replica);
      return replica;
    },
    stop,
  };
}

/** services/authorization.json, as generated from the manifests. */
function shippedPolicy(): AuthorizationPolicy {
  return JSON.parse(fs.readFileSync(new URL("../../services/authorization.json", import.meta.url), "utf8")) as AuthorizationPolicy;
}

/**
 * The shipped policy (services/authorization.json), and the operator identity
 * on every method of the stack's services: tests drive the system through
 * `stack.operator`, which stands in for every caller (the gateway forwarding
 * a player, one service calling another). The shipped policy grants the
 * operator only its named methods (Served.operatorMethods); the zero-trust
 * tests read the shipped file.
 */
async function testPolicy(services: readonly string[]): Promise<AuthorizationPolicy> {
  const shipped = shippedPolicy();
  const extended: Record<string, AuthorizationPolicy["services"][string]> = { ...shipped.services };
  for (const name of services) {
    const manifest = await serviceManifest(name);
    const everything = { callers: [operatorIdentity], methods: manifest.serves.map(({ service }) => `/${service.typeName}/*`) };
    extended[name] = { allow: [...(shipped.services[name]?.allow ?? []), everything] };
  }
  return { ...shipped, services: extended };
}

/**
 * A service's database settings: its runtime role's URL (a role that owns
 * nothing, as in a deployment), with the owner's for migrations; both through
 * `port` on 127.0.0.1 when the test puts a fault proxy in front of PostgreSQL.
 */
function databaseEnv(database: TestDatabase | undefined, port: number | undefined): Record<string, string> {
  if (database === undefined) return { DATABASE_URL: "" };
  const through = (url: string) => {
    if (port === undefined) return url;
    const rerouted = new URL(url);
    rerouted.hostname = "127.0.0.1";
    rerouted.port = String(port);
    return rerouted.toString();
  };
  if (database.runtimeUrl === undefined) return { DATABASE_URL: through(database.url) };
  return { DATABASE_URL: through(database.runtimeUrl), DATABASE_OWNER_URL: through(database.url) };
}

/** A stack for one test file: started before its tests, stopped after them. */
export function useStack(services: readonly string[], options: StackOptions = {}): Stack {
  let stack: Stack | undefined;
  // A foreign workload's program first, in a hook of its own: a fresh machine's first Go build (modules from the proxy) takes minutes.
  beforeAll(() => Promise.all(services.map((name) => buildWorkload(name))), 900_000);
  beforeAll(async () => {
    stack = await startStack(inject("infra"), services, options);
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  }, 60_000);
  return new Proxy({} as Stack, {
    get(_, property) {
      if (stack === undefined) throw new Error("the stack exists only inside tests");
      const value = stack[property as keyof Stack];
      return typeof value === "function" ? value.bind(stack) : value;
    },
  });
}

/**
 * A port nothing listens on now, for a service that starts a few seconds
 * later. Not one the OS would pick: ports from its ephemeral range are what
 * outgoing connections (Kafka, PostgreSQL clients of the services started
 * before) get as their local port, which made a later listen fail with
 * EADDRINUSE. Chosen at random below that range, and checked free by binding.
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  // Test files run side by side in vitest workers, and a stack holds its ports unbound for the seconds its
  // services take to start: two workers drawing from the same range picked the same port now and then (two
  // stacks of about 80 ports each collide about one time in four). Each worker draws from a slice of its own,
  // and a process never hands out a port twice.
  const worker = Number(process.env.VITEST_POOL_ID ?? "1");
  const sliceSize = Math.floor((ephemeralLow - portsFrom) / portSlices);
  const low = portsFrom + ((Number.isInteger(worker) && worker > 0 ? worker - 1 : 0) % portSlices) * sliceSize;
  for (let attempt = 0; attempt < 100 && sliceSize > 500; attempt++) {
    const port = low + Math.floor(Math.random() * sliceSize);
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found in [${low}, ${low + sliceSize})`);
}

/** Where test ports start, and into how many worker slices the range below the ephemeral ports is cut. */
const portsFrom = 10_000;
const portSlices = 8;
/** Ports this process handed out: a port is never given twice, though its first holder has not bound it yet. */
const handedOut = new Set<number>();

function ephemeralRange(): [number, number] {
  try {
    const [low, high] = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (low !== undefined && high !== undefined && Number.isInteger(low)) return [low, high];
  } catch {
    // not Linux: the IANA dynamic range
  }
  return [49_152, 65_535];
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
