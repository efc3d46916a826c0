import type { KafkaAccess, KafkaLogin } from "@chaos/mesh/kafka-client";
import { loadInfraConfig, type InfraConfig } from "./config.js";
import { ensureKafka, kafkaStatus, stopKafka } from "./kafka.js";
import { ensureMailpit, mailpitStatus, stopMailpit } from "./mailpit.js";
import { ensurePostgres, postgresStatus, stopPostgres } from "./postgres.js";
import { ensureRedis, redisStatus, stopRedis } from "./redis.js";

/** Where the running infrastructure is, as tests and services need it. */
export interface InfraEndpoints {
  /** Provisioning URL (superuser); services never use it. */
  readonly postgresAdminUrl: string;
  /** service name → URL logging in as that service's runtime role (owning nothing) into its own database (DATABASE_URL). */
  readonly postgresUrls: Record<string, string>;
  /** service name → its database owner's URL (DATABASE_OWNER_URL): the login migrations run as. */
  readonly postgresOwnerUrls: Record<string, string>;
  /** Redis as its administrator (the default user): provisioning and tests; services never use it. */
  readonly redisUrl: string;
  /** service name → URL logging in as that service's own Redis ACL user (REDIS_URL): its keys only. */
  readonly redisUrls: Record<string, string>;
  /** The brokers as their administrator (a super user): provisioning ACLs and the tests' own clients; services never use it. */
  readonly kafka: KafkaAccess;
  /** service name → its own broker login (KAFKA_USERNAME, KAFKA_PASSWORD), allowed what the ACLs of its world grant. */
  readonly kafkaLogins: Record<string, KafkaLogin>;
  /** Mailpit's SMTP server, where the notification service sends email. */
  readonly smtpUrl: string;
  /** Mailpit's web UI and HTTP API (/api/v1/messages), where the sent mail is read. */
  readonly mailpitUrl: string;
}

/** What an `ensureInfra` call started itself (and so may stop). */
export interface Started {
  readonly postgres: boolean;
  readonly redis: boolean;
  readonly kafka: boolean;
  readonly mailpit: boolean;
}

/**
 * Makes sure PostgreSQL, Redis, Kafka and Mailpit run on loopback and are
 * healthy, starting what is missing. Idempotent: a second call finds them
 * running. They start in parallel; each has its own timeout and error.
 */
export async function ensureInfra(config: InfraConfig = loadInfraConfig()): Promise<{ endpoints: InfraEndpoints; started: Started }> {
  const [postgres, redis, kafka, mailpit] = await Promise.all([ensurePostgres(config), ensureRedis(config), ensureKafka(config), ensureMailpit(config)]);
  return {
    endpoints: {
      postgresAdminUrl: postgres.adminUrl,
      postgresUrls: postgres.serviceUrls,
      postgresOwnerUrls: postgres.ownerUrls,
      redisUrl: redis.url,
      redisUrls: redis.serviceUrls,
      kafka: kafka.admin,
      kafkaLogins: kafka.serviceLogins,
      smtpUrl: mailpit.smtpUrl,
      mailpitUrl: mailpit.httpUrl,
    },
    started: { postgres: postgres.started, redis: redis.started, kafka: kafka.started, mailpit: mailpit.started },
  };
}

/** Stops the local servers (all, or those named); servers given by URL are never touched. */
export async function stopInfra(which: Started = { postgres: true, redis: true, kafka: true, mailpit: true }): Promise<void> {
  const config = loadInfraConfig();
  await Promise.all([
    which.postgres && config.databaseUrl === undefined ? stopPostgres() : undefined,
    which.redis && config.redisUrl === undefined ? stopRedis() : undefined,
    which.kafka && config.kafkaBrokers === undefined ? stopKafka() : undefined,
    which.mailpit ? stopMailpit() : undefined,
  ]);
}

/** One line per server. */
export async function infraStatus(config: InfraConfig = loadInfraConfig()): Promise<string> {
  return (await Promise.all([postgresStatus(config), redisStatus(config), kafkaStatus(config), mailpitStatus(config)])).join("\n");
}
