import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { logLevel } from "kafkajs";
import { createKafkaClient } from "@chaos/mesh/kafka-client";
import { dataDir, repoRoot, type InfraConfig } from "./config.js";
import { ensureDebianPackages } from "./debian.js";
import { onPath, portBusyError, portInUse, readPid, run, spawnDetached, tailFile, terminate, waitUntil } from "./proc.js";

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

/** A running Kafka broker. */
export interface KafkaEndpoint {
  readonly brokers: string[];
  /** True when this call started the broker. */
  readonly started: boolean;
}

/** True when the cluster answers a metadata request within a few seconds. */
export async function kafkaHealthy(brokers: string[]): Promise<boolean> {
  const admin = createKafkaClient({
    clientId: "chaos-infra-health",
    brokers,
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

/** Starts (or finds) the broker. */
export async function ensureKafka(config: InfraConfig): Promise<KafkaEndpoint> {
  if (config.kafkaBrokers !== undefined) {
    if (!(await kafkaHealthy(config.kafkaBrokers))) throw new Error("KAFKA_BROKERS is set but no broker there answers a metadata request");
    return { brokers: config.kafkaBrokers, started: false };
  }
  const brokers = [`127.0.0.1:${config.kafkaPort}`];
  if (await kafkaHealthy(brokers)) return { brokers, started: false };
  for (const [port, variable] of [[config.kafkaPort, "CHAOS_KAFKA_PORT"], [config.kafkaControllerPort, "CHAOS_KAFKA_CONTROLLER_PORT"]] as const) {
    if (await portInUse(port)) throw portBusyError(port, "Kafka", variable);
  }
  await ensureJava();
  await resolveJars();
  const properties = writeConfig(config);
  if (!fs.existsSync(path.join(logDirs, "meta.properties"))) {
    const clusterId = crypto.randomBytes(16).toString("base64url").slice(0, 22);
    await run("java", ["-cp", `${libs}/*`, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", properties], { timeoutMs: 60_000 });
  }
  fs.writeFileSync(logFile, "");
  const pid = spawnDetached("java", [
    "-Xms256m", "-Xmx1g", "-XX:+UseG1GC",
    `-Dlog4j2.configurationFile=${path.join(dir, "log4j2.properties")}`,
    "-cp", `${libs}/*`,
    "kafka.Kafka", properties,
  ], logFile);
  fs.writeFileSync(pidFile, String(pid));
  if (!(await waitUntil(() => kafkaHealthy(brokers), 90_000, 500))) {
    await terminate(pid);
    throw new Error(`Kafka did not answer on 127.0.0.1:${config.kafkaPort} within 90 s.\n--- ${logFile} ---\n${tailFile(logFile)}`);
  }
  return { brokers, started: true };
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
  const settings: Record<string, string | number> = {
    "process.roles": "broker,controller",
    "node.id": 1,
    "controller.quorum.voters": `1@127.0.0.1:${config.kafkaControllerPort}`,
    "listeners": `PLAINTEXT://127.0.0.1:${config.kafkaPort},CONTROLLER://127.0.0.1:${config.kafkaControllerPort}`,
    "advertised.listeners": `PLAINTEXT://127.0.0.1:${config.kafkaPort}`,
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "log.dirs": logDirs,
    "num.partitions": 3,
    // A single node: every internal topic has one replica.
    "offsets.topic.replication.factor": 1,
    "transaction.state.log.replication.factor": 1,
    "transaction.state.log.min.isr": 1,
    "share.coordinator.state.topic.replication.factor": 1,
    "share.coordinator.state.topic.min.isr": 1,
    // Tests create consumer groups constantly; do not wait 3 s for more members.
    "group.initial.rebalance.delay.ms": 0,
    "auto.create.topics.enable": "true",
    "log.retention.hours": 24,
  };
  fs.writeFileSync(file, Object.entries(settings).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
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
  const brokers = config.kafkaBrokers ?? [`127.0.0.1:${config.kafkaPort}`];
  const where = config.kafkaBrokers === undefined ? `${brokers[0]} (Kafka ${kafkaVersion}, KRaft)` : "KAFKA_BROKERS";
  return `kafka     ${(await kafkaHealthy(brokers)) ? "up  " : "down"}  ${where}`;
}
