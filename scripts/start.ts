/**
 * npm start — brings the whole system up on this machine:
 * toolchain → generated code checked → PostgreSQL, Redis, Kafka → every
 * service under services/ → where things are. Ctrl-C stops what it started.
 */
import fs from "node:fs";
import path from "node:path";
import { staleGeneratedFiles } from "./contracts/check.js";
import { buf, ensureContractToolchain } from "./contracts/toolchain.js";
import { createMeshRuntime, ensureLocalPki, grantKafkaAcls, kafkaAclsOf, kafkaEnv, loadMeshConfig, operatorIdentity } from "@chaos/mesh";
import { dataDir, repoRoot } from "./infra/config.js";
import { ensureInfra, infraStatus, stopInfra } from "./infra/index.js";
import { jaegerPortsFromEnv, startJaeger, type RunningJaeger } from "./infra/jaeger.js";
import { withKafkaAdmin } from "./infra/kafka.js";
import { startPrometheus } from "./infra/prometheus.js";
import { secretKey } from "./infra/secrets.js";
import { startProviderEmulator } from "../clients/payment-provider/provider-emulator.js";
import { serviceManifests } from "./infra/services.js";
import { busyPorts, portConflictMessage, registryPortClaims } from "./lib/port-conflicts.js";
import { rebuildReadModels, staleReadModels, staleReadModelsFile } from "./lib/read-models.js";
import { acquireRunLock, alreadyRunningMessage } from "./lib/run-lock.js";
import { parseReplicas, processLabels, replicaPortStride, writeReplicaRegistries } from "./lib/replicas.js";
import { buildWorkload, spawnService, type ServiceProcess, type SpawnServiceOptions } from "./lib/service-process.js";
import { controlSocketPath, startControlSocket } from "./lib/control-socket.js";
import { rollout } from "./lib/rollout.js";
import { serviceRelease } from "./lib/service-release.js";
import { supervise, type Supervisor } from "./lib/supervisor.js";
import { startConsoleServer } from "../clients/web/server.js";
import { loadConsoleSettings } from "../clients/web/settings.js";

const began = Date.now();
const step = (message: string) => console.log(`[start +${((Date.now() - began) / 1000).toFixed(1)}s] ${message}`);

// Before anything else, so a second npm start changes nothing of the running one.
const lockFile = path.join(dataDir, "start.lock");
const runLock = acquireRunLock(lockFile);
if (!runLock.acquired) {
  console.error(alreadyRunningMessage(runLock.holder, lockFile));
  process.exit(1);
}
const { lock } = runLock;
// Every way out (Ctrl-C, a failed start, a crash) lets the next npm start in.
process.on("exit", () => lock.release());

step("checking the contract toolchain (buf, protovalidate, Go plugins)");
await ensureContractToolchain();
await buf(["lint"]);
const stale = await staleGeneratedFiles();
if (stale.length > 0) {
  step(`gen/ is out of date with proto/ (${stale.length} files); regenerating`);
  await import("./contracts/generate.js");
}

// Jaeger keeps the services' traces. It builds (the first time, for minutes) while the infrastructure comes up, and
// the services start once it answers, so their first calls are traced too. Like Prometheus it is for watching:
// when it cannot start, the world runs without traces and says why. A collector of one's own
// (OTEL_EXPORTER_OTLP_ENDPOINT) takes its place.
const ownCollector = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
const jaegerStarting: Promise<RunningJaeger | undefined> = ownCollector !== undefined
  ? Promise.resolve(undefined)
  : startJaeger(jaegerPortsFromEnv(), path.join(dataDir, "jaeger")).catch((error: unknown) => {
      step(`Jaeger is not running, so no traces are kept: ${(error as Error).message}`);
      return undefined;
    });

step("provisioning PostgreSQL, Redis, Kafka and Mailpit");
const { endpoints, started: infraStarted } = await ensureInfra().catch(async (error: unknown) => {
  // Jaeger started beside the infrastructure: it must not outlive a start that failed.
  await (await jaegerStarting)?.stop();
  throw error;
});
console.log(await infraStatus());
const jaeger = await jaegerStarting;
if (jaeger !== undefined) step(`Jaeger at ${jaeger.url}, receiving the services' spans on ${jaeger.otlpEndpoint}`);
const otlpEndpoint = ownCollector ?? jaeger?.otlpEndpoint;

const manifests = await serviceManifests();
const services = manifests.map((manifest) => manifest.name);
// CHAOS_REPLICAS=combat=2,player=2: those services run as several processes, which callers balance over.
const replicas = parseReplicas(process.env.CHAOS_REPLICAS, services);
const labels = processLabels(services, replicas);
const world = writeReplicaRegistries(loadMeshConfig(process.env, repoRoot).registryFile, replicas, path.join(dataDir, "run"));
// Each service logs in to Kafka as its own user; these ACLs let it reach its own topics and groups only.
await withKafkaAdmin(endpoints.kafka, (admin) =>
  grantKafkaAcls(admin, manifests.flatMap((manifest) => {
    const login = endpoints.kafkaLogins[manifest.name];
    return login === undefined || login.username === endpoints.kafka.login?.username ? [] : kafkaAclsOf(manifest, login.username, "");
  })),
);
// Every service gets an X.509-SVID from the local CA; "operator" is the identity
// for grpcurl and other tools run by hand.
const pkiDir = path.join(dataDir, "pki");
const pki = await ensureLocalPki(pkiDir, [...services, operatorIdentity]);
step(`workload identities (X.509-SVIDs) in ${pkiDir}`);

// The payment provider's local stand-in (clients/payment-provider): checkout pages, and webhooks signed as Stripe signs them, to the gateway.
const paymentWebhooks = { port: Number(process.env.CHAOS_GATEWAY_WEBHOOK_PORT || 7212), secret: process.env.CHAOS_PAYMENT_WEBHOOK_SECRETS || `whsec_${secretKey("payment/webhook-signing-secret", 24)}` };
const paymentProvider = services.includes("payment")
  ? await startProviderEmulator({ port: 57470, signingSecrets: [paymentWebhooks.secret.split(",")[0]!], webhookUrl: `http://127.0.0.1:${paymentWebhooks.port}/webhooks/payment` })
  : undefined;

/** Per process label, the release it last started on (startProcess). */
const releases = new Map<string, RunningRelease>();
const children: ServiceProcess[] = [];
if (services.length === 0) {
  step("no services exist yet (services/<name>/service.ts): only the infrastructure is up");
} else {
  await refuseBusyPorts();
  // Programs of their own (the Go game server) are built before anything starts: a failed build stops here, saying why.
  const foreign = manifests.filter((manifest) => manifest.foreign !== undefined);
  if (foreign.length > 0) {
    step(`building ${foreign.map((m) => `${m.name} (${m.foreign!.sourceDir})`).join(", ")}; the first build downloads its modules`);
    try {
      await Promise.all(foreign.map((manifest) => buildWorkload(manifest.name)));
    } catch (error) {
      console.error(`[start] ${(error as Error).message}`);
      await jaeger?.stop();
      await stopInfra(infraStarted);
      process.exit(1);
    }
  }
  // All at once: services find each other through the registry and fetch token keys lazily, so order does not matter.
  const started = await Promise.allSettled(labels.map((label) => startProcess(label)));
  for (const outcome of started) if (outcome.status === "fulfilled") children.push(outcome.value);
  const failed = started.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as Error] : []));
  if (failed.length > 0) {
    for (const error of failed) console.error(`[start] ${error.message}`);
    await Promise.all(children.map((c) => c.stop()));
    await jaeger?.stop();
    await stopInfra(infraStarted);
    process.exit(1);
  }
  for (const [i, { ready }] of children.entries()) {
    const name = labels[i];
    step(`${name} is serving: internal ${ready.internalPort}, edge ${ready.edgePort ?? "-"} (HTTP/1.1 ${ready.edgeHttp1Port ?? "-"}), admin ${ready.adminPort}`);
  }
}

// Prometheus scrapes every service's admin face (from the registry) and evaluates the alert rules. Watching is
// not playing: when it cannot start (not a Debian machine, the port taken), the world runs without it and says why.
const prometheusPort = Number(process.env.CHAOS_PROMETHEUS_PORT || 59090);
const prometheus = await startPrometheus({ port: prometheusPort, dir: path.join(dataDir, "prometheus"), targets: world.targets }).then(
  (running) => {
    step(`Prometheus at ${running.url}, scraping ${world.targets.length} processes`);
    return running;
  },
  (error: unknown) => {
    step(`Prometheus is not running: ${(error as Error).message}`);
    return undefined;
  },
);

const gateway = children.find((c) => c.name === "gateway")?.ready;
const consoleSettings = loadConsoleSettings({
  ...process.env,
  CHAOS_CONSOLE_GATEWAY_URL: process.env.CHAOS_CONSOLE_GATEWAY_URL ?? (gateway?.edgeHttp1Port === undefined ? undefined : `http://127.0.0.1:${gateway.edgeHttp1Port}`),
  // The Operations page (admins) charts from this Prometheus and shows traces from this Jaeger.
  CHAOS_CONSOLE_PROMETHEUS_URL: process.env.CHAOS_CONSOLE_PROMETHEUS_URL ?? prometheus?.url,
  CHAOS_CONSOLE_JAEGER_URL: process.env.CHAOS_CONSOLE_JAEGER_URL ?? jaeger?.url,
});
const webConsole = await startConsoleServer(consoleSettings);
step(`web console at ${webConsole.url}`);
lock.announce({ consoleUrl: webConsole.url, gatewayAddress: gateway?.edgePort === undefined ? undefined : `127.0.0.1:${gateway.edgePort}` });
// From here on a service that dies is reported and started again, on the release it ran.
const supervisors = new Map<string, Supervisor<ServiceProcess>>(children.map((child, i) => [labels[i]!, superviseProcess(labels[i]!, child)]));
// npm run rollout -- <service>: a new release of a service, replica by replica, canary first, rolled back by itself when it fails.
const control = await startControlSocket(controlSocketPath(), {
  refusalOf(service) {
    if (!services.includes(service)) return { status: 404, message: `no service "${service}" runs here (${services.join(", ")})` };
    if (!isNodeService(service)) return { status: 400, message: `${service} is a program of its own, not a Node service: restart npm start to run a new build of it` };
    return undefined;
  },
  async rollout(service, env, log) {
    const say = (line: string) => {
      step(`rollout: ${line}`);
      log(line);
    };
    const serviceLabels = labels.filter((label) => serviceOf(label) === service);
    const previous = new Map(serviceLabels.map((label) => [label, releases.get(label)!]));
    const next = await serviceRelease(service);
    const same = [...previous.values()].every((release) => release.bundle === next.bundle);
    say(`release ${next.id}: ${same ? "the code it runs now" : "built from the current source"}${Object.keys(env).length === 0 ? "" : `, with ${Object.keys(env).join(", ")}`}`);
    return rollout(
      {
        labels: serviceLabels,
        async replace(label, which) {
          await supervisors.get(label)?.stop();
          supervisors.delete(label);
          const release = which === "next" ? { bundle: next.bundle, env: { ...previous.get(label)!.env, ...env } } : previous.get(label)!;
          supervisors.set(label, superviseProcess(label, await startProcess(label, release)));
        },
        adminPort: (label) => supervisors.get(label)!.current!.ready.adminPort!,
      },
      { log: say },
    );
  },
});

// A restore (npm run restore) left the read models behind the restored databases: rebuilt now, as the operator.
const staleModels = staleReadModels(dataDir).filter((service) => services.includes(service));
if (staleModels.length > 0) {
  const operator = createMeshRuntime(operatorIdentity, { config: { ...loadMeshConfig(process.env, repoRoot), pkiDir, registryFile: world.registryOf(operatorIdentity) } });
  try {
    for (const rebuilt of await rebuildReadModels(operator, staleModels)) step(`rebuilt ${rebuilt.service}${rebuilt.service.endsWith("s") ? "'" : "'s"} ${rebuilt.readModel} after the restore (${rebuilt.count} from its history, ${rebuilt.seconds.toFixed(1)} s)`);
    fs.rmSync(staleReadModelsFile(dataDir), { force: true });
  } catch (error) {
    step(`the read models left stale by the restore could not be rebuilt (${(error as Error).message}); the next npm start tries again`);
  } finally {
    await operator.close();
  }
}

const example = children.find((c) => c.name === "combat") ?? children[0];
console.log(`
Chaos World is up (${((Date.now() - began) / 1000).toFixed(1)} s).
  PostgreSQL  ${new URL(endpoints.postgresAdminUrl).host}  databases: ${Object.keys(endpoints.postgresUrls).map((s) => `chaos_${s}`).join(", ")}
  Redis       ${new URL(endpoints.redisUrl).host}
  Kafka       ${endpoints.kafka.brokers.join(", ")}
  Mailpit     ${endpoints.mailpitUrl}  (the mail the services sent; SMTP ${new URL(endpoints.smtpUrl).host})
  Traces      ${jaeger !== undefined ? `${jaeger.url}/api  (Jaeger's query API: every call's trace, from the edge through Kafka to the services its events reach;
              a source build has no UI of its own: the console's Operations page (admins) draws them; every log line names its trace id)` : ownCollector !== undefined ? `sent to ${ownCollector} (OTEL_EXPORTER_OTLP_ENDPOINT)` : "not kept (see above)"}
  Prometheus  ${prometheus === undefined ? "not running (see above)" : `${prometheus.url}  (every service's metrics; alerts at ${prometheus.url}/classic/alerts, queries at ${prometheus.url}/classic/graph; rules in observability/prometheus/alerts.yml)`}
  Services    ${services.length === 0 ? "none yet" : services.map((s) => (replicas[s] ?? 1) > 1 ? `${s} ×${replicas[s]}` : s).join(", ")} (ports in services/registry.json${Object.values(replicas).some((n) => n > 1) ? `; replica k on those + ${replicaPortStride}·(k−1), CHAOS_REPLICAS` : ""})
  Payments    test provider ${paymentProvider?.url ?? "not running"} (checkout pages; signed webhooks to the gateway's 127.0.0.1:${paymentWebhooks.port}/webhooks/payment)
  Operator    grpcurl -cacert ${pki.paths(operatorIdentity).bundle} -cert ${pki.paths(operatorIdentity).cert} -key ${pki.paths(operatorIdentity).key} 127.0.0.1:${example?.ready.internalPort ?? "<port>"} describe
              (${example?.name ?? "a service"}'s internal face, mTLS as the operator identity; any service's port is in services/registry.json)

  Play        open ${webConsole.url} — register, turn on MFA, create a character, cast fireball at a training dummy,
              trade with another player (Trade tab), found or join a guild and use its bank (Guild tab), chat (Chat tab),
              queue for a ranked duel played by the Go game server (Arena tab), join a live event (Events tab),
              walk the map and contest a territory for your guild (World tab), buy gold on the test provider's
              checkout page (Store tab); make yourself an admin or moderator (identity's SetAccountRoles, as the
              operator) for the moderation desk, the analytics dashboard and the audit log
  Rollout     npm run rollout -- <service> [NAME=value ...]  (its current source and those settings, replica by replica,
              canary first; rolled back by itself when a new process is not ready or fails its calls)
  gRPC        the gateway's public face is ${gateway?.edgePort === undefined ? "not running" : `127.0.0.1:${gateway.edgePort}`} (plaintext HTTP/2; Connect and gRPC-Web on HTTP/1.1 port ${gateway?.edgeHttp1Port ?? "-"})
              explore it: grpcurl -plaintext 127.0.0.1:${gateway?.edgePort ?? "<edge port>"} list
Press Ctrl-C to stop.`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  step("stopping");
  // Supervision ends first, at once: Ctrl-C reaches the services too, and none of them may be restarted.
  const servicesStopped = Promise.all([...supervisors.values()].map((s) => s.stop()));
  await control.close();
  await webConsole.close();
  await servicesStopped;
  await paymentProvider?.close();
  await prometheus?.stop();
  await jaeger?.stop();
  await stopInfra(infraStarted);
  step("stopped what this command started");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
// Keep the process alive until a signal arrives.
setInterval(() => undefined, 1 << 30);

/** The service a process label ("<service>" or "<service>#<k>") runs. */
function serviceOf(label: string): string {
  return label.split("#")[0]!;
}

/** What a process runs: a kept build of a Node service (serviceRelease; none for a program of its own), and settings on top of its environment. */
interface RunningRelease {
  readonly bundle?: string;
  readonly env: Readonly<Record<string, string>>;
}

/** Starts a process on `release`; by default the one it ran before, or (its first start) the current source. */
async function startProcess(label: string, release?: RunningRelease): Promise<ServiceProcess> {
  const name = serviceOf(label);
  const chosen = release ?? releases.get(label) ?? { bundle: isNodeService(name) ? (await serviceRelease(name)).bundle : undefined, env: {} };
  const options = serviceOptions(label);
  const child = await spawnService(name, { ...options, env: { ...options.env, ...chosen.env }, bundle: chosen.bundle });
  releases.set(label, chosen);
  return child;
}

function superviseProcess(label: string, child: ServiceProcess): Supervisor<ServiceProcess> {
  return supervise(child, { name: label, restart: () => startProcess(label), log: step });
}

function isNodeService(name: string): boolean {
  return manifests.find((manifest) => manifest.name === name)?.foreign === undefined;
}

/** How every process is started, the first time and when it is restarted. */
function serviceOptions(label: string): SpawnServiceOptions {
  const name = serviceOf(label);
  return {
    env: {
      ...process.env,
      CHAOS_PKI_DIR: pkiDir,
      // Every replica's address for the callers; a replica reads its own ports from a registry of its own.
      CHAOS_REGISTRY: world.registryOf(label),
      DATABASE_URL: endpoints.postgresUrls[name] ?? "",
      DATABASE_OWNER_URL: endpoints.postgresOwnerUrls[name] ?? "",
      REDIS_URL: endpoints.redisUrls[name] ?? "",
      ...kafkaEnv({ brokers: endpoints.kafka.brokers, login: endpoints.kafkaLogins[name] }),
      CHAOS_NOTIFICATION_SMTP_URL: process.env.CHAOS_NOTIFICATION_SMTP_URL ?? endpoints.smtpUrl,
      CHAOS_GATEWAY_WEBHOOK_PORT: String(paymentWebhooks.port),
      CHAOS_PAYMENT_WEBHOOK_SECRETS: paymentWebhooks.secret,
      CHAOS_PAYMENT_PROVIDER_URL: process.env.CHAOS_PAYMENT_PROVIDER_URL || "http://127.0.0.1:57470",
      ...localSecretKeys(name),
      ...(otlpEndpoint === undefined ? {} : { OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint }),
    },
    readyTimeoutMs: 60_000,
  };
}

/** The keys a service's manifest asks for: the environment's when set, else local ones kept in the data directory. */
function localSecretKeys(name: string): Record<string, string> {
  const declared = manifests.find((manifest) => manifest.name === name)?.secrets ?? [];
  return Object.fromEntries(declared.map((key) => [key.variable, process.env[key.variable] || secretKey(`${name}/${key.variable}`, key.bytes)]));
}

/** Stops here, naming them, when ports the services or the web console are about to listen on are taken. */
async function refuseBusyPorts(): Promise<void> {
  const { registryFile } = loadMeshConfig(process.env, repoRoot);
  const consolePort = loadConsoleSettings(process.env).port;
  const busy = await busyPorts([
    ...registryPortClaims(registryFile, services),
    ...(consolePort === 0 ? [] : [{ port: consolePort, owner: "the web console's port (CHAOS_CONSOLE_PORT)" }]),
  ]);
  if (busy.length === 0) return;
  console.error(portConflictMessage(busy, registryFile));
  await jaeger?.stop();
  await stopInfra(infraStarted);
  process.exit(1);
}
