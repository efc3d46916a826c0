import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { logLevel, type Admin } from "kafkajs";
import { connectKafka, kafkaLoginFromEnv, type KafkaAccess, type KafkaLogin } from "@chaos/mesh/kafka-client";
import { dataDir, repoRoot, type InfraConfig } from "./config.js";
import { ensureDebianPackages } from "./debian.js";
import { onPath, portBusyError, portInUse, readPid, run, spawnDetached, tailFile, terminate, waitUntil } from "./proc.js";
import { secret } from "./secrets.js";
import { serviceManifests } from "./services.js";

/**
 * Apache Kafka, single-node KRaft broker, run from the official jars that
 * Maven resolves from Maven Central. 4.3.1 is the newest release whose whole
 * dependency set Maven Central serves here, and kafkajs 2.2.4 works against
 * it (KIP-896 removed only protocol versions older than the ones kafkajs
 * negotiates); the broker smoke test proves it on every run.
 */
export const kafkaVersion = "4.3.1";

const dir = path.join(dataDir, "kafka");
const libs = path.join(dir, `libs-${kafkaVersion}`);
const logDirs = path.join(dir, "data");
const pidFile = path.join(dir, "broker.pid");
const logFile = path.join(dir, "broker.log");
const pom = path.join(repoRoot, "scripts", "infra", "kafka-pom.xml");
/** The SCRAM users the broker knows, with the cluster they were made in (a reformatted data directory has none). */
const usersFile = path.join(dir, "scram-users.json");

/**
 * The local broker's administrator: a super user, used to provision users and
 * ACLs and by the tests' own clients. Services never use it.
 */
const adminUser = "chaos-admin";
/** The controller listener's login (PLAIN: a KRaft controller cannot use SCRAM, whose credentials live in the metadata it serves). */
const controllerUser = "chaos-controller";

/** A service's SCRAM user on the local broker. */
export function kafkaUserOf(service: string): string {
  return `chaos-${service}`;
}

function loginOf(user: string): KafkaLogin {
  return { username: user, password: secret(`kafka.${user}`) };
}

/** A running Kafka broker. */
export interface KafkaEndpoint {
  /** The brokers, as the administrator. */
  readonly admin: KafkaAccess;
  /** service name → its own login (KAFKA_USERNAME, KAFKA_PASSWORD): its topics and groups only (kafkaAclsOf). */
  readonly serviceLogins: Record<string, KafkaLogin>;
  /** True when this call started the broker. */
  readonly started: boolean;
}

/** True when the cluster answers a metadata request within a few seconds. */
export async function kafkaHealthy(access: KafkaAccess): Promise<boolean> {
  const admin = connectKafka(access, {
    clientId: "chaos-infra-health",
    connectionTimeout: 2000,
    requestTimeout: 3000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Starts (or finds) the broker. Clients log in with SASL/SCRAM-SHA-512, and
 * the broker's authorizer allows a service's user only what its ACLs say
 * (granted per world from the manifest: kafkaAclsOf), so a process without a
 * login reaches nothing and a service cannot publish another's events.
 * Brokers given by KAFKA_BROKERS are used with the login in KAFKA_USERNAME and
 * KAFKA_PASSWORD (if any) for everything: provisioning users there is their
 * operators' business.
 */
export async function ensureKafka(config: InfraConfig): Promise<KafkaEndpoint> {
  const services = (await serviceManifests()).map((manifest) => manifest.name);
  if (config.kafkaBrokers !== undefined) {
    const admin = kafkaAdminAccess(config);
    const login = admin.login;
    if (!(await kafkaHealthy(admin))) throw new Error("KAFKA_BROKERS is set but no broker there answers a metadata request");
    return { admin, serviceLogins: login === undefined ? {} : Object.fromEntries(services.map((name) => [name, login])), started: false };
  }
  const admin = kafkaAdminAccess(config);
  const serviceLogins = Object.fromEntries(services.map((name) => [name, loginOf(kafkaUserOf(name))]));
  if (await kafkaHealthy(admin)) {
    await ensureScramUsers(config, Object.values(serviceLogins));
    return { admin, serviceLogins, started: false };
  }
  for (const [port, variable] of [[config.kafkaPort, "CHAOS_KAFKA_PORT"], [config.kafkaControllerPort, "CHAOS_KAFKA_CONTROLLER_PORT"]] as const) {
    if (await portInUse(port)) throw portBusyError(port, "Kafka", variable);
  }
  await ensureJava();
  await resolveJars();
  const properties = writeConfig(config);
  const meta = path.join(logDirs, "meta.properties");
  if (fs.existsSync(meta) && readUsers()?.clusterId !== clusterIdOf(meta)) {
    // Formatted before the broker asked for logins: it has no users, and SCRAM users are made at format time or by a running administrator.
    console.log(`[infra] ${logDirs} was formatted without SCRAM users: formatting it again (its topics are dropped)`);
    fs.rmSync(logDirs, { recursive: true, force: true });
    fs.mkdirSync(logDirs, { recursive: true });
  }
  if (!fs.existsSync(meta)) {
    const clusterId = crypto.randomBytes(16).toString("base64url").slice(0, 22);
    const users = [loginOf(adminUser), ...Object.values(serviceLogins)];
    await run("java", [
      "-cp", `${libs}/*`, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", properties,
      ...users.flatMap((user) => ["--add-scram", `${scramMechanism}=[name=${user.username},password=${user.password}]`]),
    ], { timeoutMs: 60_000 });
    writeUsers({ clusterId, users: users.map((user) => user.username) });
  }
  fs.writeFileSync(logFile, "");
  const pid = spawnDetached("java", [
    "-Xms256m", "-Xmx1g", "-XX:+UseG1GC",
    `-Dlog4j2.configurationFile=${path.join(dir, "log4j2.properties")}`,
    "-cp", `${libs}/*`,
    "kafka.Kafka", properties,
  ], logFile);
  fs.writeFileSync(pidFile, String(pid));
  if (!(await waitUntil(() => kafkaHealthy(admin), 90_000, 500))) {
    await terminate(pid);
    throw new Error(`Kafka did not answer on 127.0.0.1:${config.kafkaPort} within 90 s.\n--- ${logFile} ---\n${tailFile(logFile)}`);
  }
  await ensureScramUsers(config, Object.values(serviceLogins));
  await awaitGroupCoordinator(admin, logFile);
  return { admin, serviceLogins, started: true };
}

/**
 * Waits until the broker coordinates consumer groups. A new broker creates its offsets topic on the first
 * group request and answers COORDINATOR_NOT_AVAILABLE until its partitions have leaders: the consumers of
 * the first services to start joined nothing for minutes while every other request was served (the first
 * test file of a run on a new machine failed whole). A describeGroups that succeeds says it is done.
 */
async function awaitGroupCoordinator(access: KafkaAccess, logFile: string): Promise<void> {
  let last: unknown;
  const coordinates = () =>
    withKafkaAdmin(access, (admin) => admin.describeGroups(["chaos-infra-coordinator-probe"])).then(
      () => true,
      (error: unknown) => ((last = error), false),
    );
  if (!(await waitUntil(coordinates, 60_000, 500))) {
    throw new Error(`Kafka answers but coordinated no consumer group within 60 s: ${(last as Error | undefined)?.message}\n--- ${logFile} ---\n${tailFile(logFile)}`);
  }
}

const scramMechanism = "SCRAM-SHA-512";

interface ScramUsers {
  readonly clusterId: string;
  readonly users: readonly string[];
}

function readUsers(): ScramUsers | undefined {
  try {
    return JSON.parse(fs.readFileSync(usersFile, "utf8")) as ScramUsers;
  } catch {
    return undefined;
  }
}

function writeUsers(users: ScramUsers): void {
  fs.writeFileSync(usersFile, JSON.stringify(users, null, 2));
}

function clusterIdOf(meta: string): string | undefined {
  return /^cluster\.id=(.+)$/m.exec(fs.readFileSync(meta, "utf8"))?.[1]?.trim();
}

/**
 * Adds the SCRAM users a running broker does not have yet (a service added
 * since its data directory was formatted), through Kafka's own ConfigCommand
 * as the administrator: kafkajs has no AlterUserScramCredentials request.
 */
async function ensureScramUsers(config: InfraConfig, logins: readonly KafkaLogin[]): Promise<void> {
  const known = readUsers();
  if (known === undefined) return;
  const missing = logins.filter((login) => !known.users.includes(login.username));
  if (missing.length === 0) return;
  await ensureJava();
  await resolveJars();
  const admin = loginOf(adminUser);
  const clientConfig = path.join(dir, "admin-client.properties");
  fs.writeFileSync(clientConfig, [
    "security.protocol=SASL_PLAINTEXT",
    `sasl.mechanism=${scramMechanism}`,
    `sasl.jaas.config=${jaas("scram.ScramLoginModule", admin)}`,
    "",
  ].join("\n"), { mode: 0o600 });
  for (const login of missing) {
    await run("java", [
      "-cp", `${libs}/*`, "kafka.admin.ConfigCommand", "--bootstrap-server", `127.0.0.1:${config.kafkaPort}`, "--command-config", clientConfig,
      "--alter", "--entity-type", "users", "--entity-name", login.username, "--add-config", `${scramMechanism}=[password=${login.password}]`,
    ], { timeoutMs: 60_000 });
  }
  writeUsers({ clusterId: known.clusterId, users: [...known.users, ...missing.map((login) => login.username)] });
}

/** A JAAS login line of Kafka's `org.apache.kafka.common.security.<module>`; `extra` adds options (PLAIN's user_<name> table). */
function jaas(module: string, login: KafkaLogin, extra: Record<string, string> = {}): string {
  const options = { username: login.username, password: login.password, ...extra };
  return `org.apache.kafka.common.security.${module} required ${Object.entries(options).map(([k, v]) => `${k}="${v}"`).join(" ")};`;
}

async function ensureJava(): Promise<void> {
  if (!onPath("java") || javaMajor() < 17) await ensureDebianPackages(["openjdk-17-jre-headless"], "the Kafka broker (Java 17+)");
  if (!onPath("mvn")) await ensureDebianPackages(["maven"], "resolving the Kafka jars from Maven Central");
}

function javaMajor(): number {
  // `java -version` and the settings dump go to stderr.
  const result = spawnSync("java", ["-XshowSettings:properties", "-version"], { encoding: "utf8", timeout: 30_000 });
  const match = /java\.specification\.version = (\d+)/.exec(`${result.stdout}${result.stderr}`);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

/** Copies the broker and its runtime dependencies from Maven Central, once per version. */
async function resolveJars(): Promise<void> {
  const marker = path.join(libs, ".complete");
  if (fs.existsSync(marker)) return;
  console.log(`[infra] resolving Apache Kafka ${kafkaVersion} from Maven Central into ${libs}`);
  fs.rmSync(libs, { recursive: true, force: true });
  await run("mvn", [
    "-q", "-B", "-f", pom, `-Dkafka.version=${kafkaVersion}`,
    "dependency:copy-dependencies", `-DoutputDirectory=${libs}`, "-DincludeScope=runtime",
  ], { timeoutMs: 600_000 });
  fs.writeFileSync(marker, kafkaVersion);
}

function writeConfig(config: InfraConfig): string {
  fs.mkdirSync(logDirs, { recursive: true });
  const file = path.join(dir, "server.properties");
  const admin = loginOf(adminUser);
  const controller = loginOf(controllerUser);
  const settings: Record<string, string | number> = {
    "process.roles": "broker,controller",
    "node.id": 1,
    "controller.quorum.voters": `1@127.0.0.1:${config.kafkaControllerPort}`,
    "listeners": `SASL_PLAINTEXT://127.0.0.1:${config.kafkaPort},CONTROLLER://127.0.0.1:${config.kafkaControllerPort}`,
    "advertised.listeners": `SASL_PLAINTEXT://127.0.0.1:${config.kafkaPort}`,
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "SASL_PLAINTEXT",
    "listener.security.protocol.map": "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
    // Clients log in with SCRAM (users made at format time or by ConfigCommand); the controller listener with PLAIN.
    "sasl.enabled.mechanisms": scramMechanism,
    "sasl.mechanism.inter.broker.protocol": scramMechanism,
    "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config": jaas("scram.ScramLoginModule", admin),
    "sasl.mechanism.controller.protocol": "PLAIN",
    "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
    "listener.name.controller.plain.sasl.jaas.config": jaas("plain.PlainLoginModule", controller, { [`user_${controller.username}`]: controller.password }),
    // Nothing is allowed that no ACL grants; only the administrator and the controller are above ACLs.
    "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
    "super.users": `User:${admin.username};User:${controller.username}`,
    "allow.everyone.if.no.acl.found": "false",
    "log.dirs": logDirs,
    "num.partitions": 3,
    // A single node: every internal topic has one replica.
    "offsets.topic.replication.factor": 1,
    // Kafka's 50 partitions of the offsets topic are made when the first group comes, and take seconds to lead on two cores.
    "offsets.topic.num.partitions": 10,
    "transaction.state.log.replication.factor": 1,
    "transaction.state.log.min.isr": 1,
    "share.coordinator.state.topic.replication.factor": 1,
    "share.coordinator.state.topic.min.isr": 1,
    // Tests create consumer groups constantly; do not wait 3 s for more members.
    "group.initial.rebalance.delay.ms": 0,
    "auto.create.topics.enable": "true",
    "log.retention.hours": 24,
  };
  // It holds the administrator's and the controller's passwords.
  fs.writeFileSync(file, Object.entries(settings).map(([k, v]) => `${k}=${v}`).join("\n") + "\n", { mode: 0o600 });
  fs.writeFileSync(path.join(dir, "log4j2.properties"), [
    "rootLogger.level = INFO",
    "rootLogger.appenderRef.stdout.ref = STDOUT",
    "appender.stdout.type = Console",
    "appender.stdout.name = STDOUT",
    "appender.stdout.layout.type = PatternLayout",
    "appender.stdout.layout.pattern = [%d] %p %m (%c)%n",
    "logger.kafka.name = kafka",
    "logger.kafka.level = WARN",
    "logger.apache.name = org.apache.kafka",
    "logger.apache.level = WARN",
    "",
  ].join("\n"));
  return file;
}

/** Stops the local broker if it runs. */
export async function stopKafka(): Promise<void> {
  const pid = readPid(pidFile);
  if (pid !== undefined) await terminate(pid, 30_000);
}

/** One line on the broker's state. */
export async function kafkaStatus(config: InfraConfig): Promise<string> {
  const access = kafkaAdminAccess(config);
  const where = config.kafkaBrokers === undefined ? `${access.brokers[0]} (Kafka ${kafkaVersion}, KRaft, SASL/SCRAM)` : "KAFKA_BROKERS";
  return `kafka     ${(await kafkaHealthy(access)) ? "up  " : "down"}  ${where}`;
}

/**
 * The brokers as their administrator: the local broker's own, or for
 * KAFKA_BROKERS the login in KAFKA_USERNAME and KAFKA_PASSWORD (if any).
 */
export function kafkaAdminAccess(config: InfraConfig): KafkaAccess {
  if (config.kafkaBrokers !== undefined) return { brokers: config.kafkaBrokers, login: kafkaLoginFromEnv(process.env) };
  return { brokers: [`127.0.0.1:${config.kafkaPort}`], login: loginOf(adminUser) };
}

/** Runs `use` with a Kafka admin client on `access` (the administrator's: a world's ACLs). */
export async function withKafkaAdmin<T>(access: KafkaAccess, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = connectKafka(access, { clientId: "chaos-infra-admin" }).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}
