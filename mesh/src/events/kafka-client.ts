import { Kafka, logLevel, type KafkaConfig, type LogEntry, type logCreator } from "kafkajs";
import "./kafka-request-queue-fix.js";

/**
 * Errors a broker answers while it is still settling — a topic another
 * client created a moment earlier, a consumer group's coordinator loading or
 * moving, a partition electing its leader — which kafkajs logs at ERROR for
 * each response and then retries (or throws to the caller, who reports it).
 * kafkajs's messages, by error type.
 */
const retriableResponseErrors = new Set([
  // CreateTopics when another client created the same topic first (TOPIC_ALREADY_EXISTS); other causes are thrown to the caller.
  "Topic creation errors",
  // GROUP_LOAD_IN_PROGRESS
  "The coordinator is loading and hence can't process requests for this group",
  // GROUP_COORDINATOR_NOT_AVAILABLE
  "The group coordinator is not available",
  // NOT_COORDINATOR_FOR_GROUP
  "This is not the correct coordinator for this group",
  // REBALANCE_IN_PROGRESS
  "The group is rebalancing, so a rejoin is needed",
  // LEADER_NOT_AVAILABLE
  "There is no leader for this topic-partition as we are in the middle of a leadership election",
  // NOT_LEADER_FOR_PARTITION
  "This server is not the leader for that topic-partition",
  // UNKNOWN_TOPIC_OR_PARTITION: a topic just created, not yet known to the broker answering
  "This server does not host this topic-partition",
]);

/** True for kafkajs's per-response log of an error it retries as part of normal operation. */
function isRetriableNoise(entry: LogEntry): boolean {
  const { message, error } = entry.log;
  return entry.namespace === "Connection" && message.startsWith("Response ") && typeof error === "string" && retriableResponseErrors.has(error);
}

/**
 * kafkajs's console logger, except that {@link retriableResponseErrors} are
 * logged at DEBUG: a healthy start-up prints nothing, while real errors
 * (unreachable brokers, a crashed consumer, an error the retries gave up on)
 * still print at their level. `write` receives each line. Default: the
 * console, as kafkajs writes it.
 */
export function createKafkaLogCreator(write: (level: logLevel, line: string) => void = writeToConsole): logCreator {
  return (configured) => (entry) => {
    const noise = isRetriableNoise(entry);
    if (noise && configured < logLevel.DEBUG) return;
    const level = noise ? logLevel.DEBUG : entry.level;
    const label = noise ? "DEBUG" : entry.label;
    const prefix = entry.namespace ? `[${entry.namespace}] ` : "";
    write(level, JSON.stringify({ level: label, ...entry.log, message: `${prefix}${entry.log.message}` }));
  };
}

function writeToConsole(level: logLevel, line: string): void {
  if (level === logLevel.ERROR) console.error(line);
  else if (level === logLevel.WARN) console.warn(line);
  else if (level === logLevel.INFO) console.info(line);
  else console.log(line);
}

/**
 * A Kafka client as every process of the project creates one: logging at
 * ERROR (unless `config` says otherwise) through {@link createKafkaLogCreator}.
 */
export function createKafkaClient(config: KafkaConfig): Kafka {
  return new Kafka({ logLevel: logLevel.ERROR, logCreator: createKafkaLogCreator(), ...config });
}

/**
 * How long a consumer's fetch waits on the broker when nothing is new (an event that arrives ends the wait at
 * once). 500 ms, Kafka's own consumer default; kafkajs's 5 s made every consumer's stop, and every rebalance,
 * wait up to 5 s for the fetch in flight (a service took 4–5 s to exit on SIGTERM).
 */
export const consumerFetchWaitMs = 500;

/** A SASL/SCRAM-SHA-512 login on the brokers: a service's own user, or the administrator's. */
export interface KafkaLogin {
  readonly username: string;
  readonly password: string;
}

/** Where the brokers are and who logs in there. */
export interface KafkaAccess {
  readonly brokers: readonly string[];
  /** Absent: no SASL (a broker that does not ask for it). */
  readonly login?: KafkaLogin;
}

/**
 * The login in KAFKA_USERNAME and KAFKA_PASSWORD (SCRAM-SHA-512, the
 * mechanism the brokers offer), or none when KAFKA_USERNAME is unset. One
 * without the other stops start-up with a message naming the missing one.
 */
export function kafkaLoginFromEnv(env: NodeJS.ProcessEnv): KafkaLogin | undefined {
  const username = env.KAFKA_USERNAME ?? "";
  const password = env.KAFKA_PASSWORD ?? "";
  if (username === "" && password === "") return undefined;
  if (username === "") throw new Error("KAFKA_PASSWORD is set but KAFKA_USERNAME is not (the service's SCRAM-SHA-512 user on the brokers)");
  if (password === "") throw new Error(`KAFKA_USERNAME is set (${username}) but KAFKA_PASSWORD is not`);
  return { username, password };
}

/** The environment that gives a process `access` (KAFKA_BROKERS, KAFKA_USERNAME, KAFKA_PASSWORD). */
export function kafkaEnv(access: KafkaAccess): Record<string, string> {
  return {
    KAFKA_BROKERS: access.brokers.join(","),
    ...(access.login === undefined ? {} : { KAFKA_USERNAME: access.login.username, KAFKA_PASSWORD: access.login.password }),
  };
}

/** {@link createKafkaClient} on `access`: its brokers, and its login over SASL/SCRAM-SHA-512. */
export function connectKafka(access: KafkaAccess, config: Omit<KafkaConfig, "brokers" | "sasl">): Kafka {
  const { login } = access;
  return createKafkaClient({
    ...config,
    brokers: [...access.brokers],
    ...(login === undefined ? {} : { sasl: { mechanism: "scram-sha-512", username: login.username, password: login.password } }),
  });
}
