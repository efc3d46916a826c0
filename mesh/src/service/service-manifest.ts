import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import type { Kafka } from "kafkajs";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { DomainErrorMapping } from "../domain-error.js";
import type { ForeignProcess } from "./foreign-workload.js";
import type { EventHandler } from "../events/event-consumer.js";
import type { JobWorkerSettings } from "../jobs/job-worker.js";
import type { Migration } from "../persistence/migrations.js";
import type { Database } from "../persistence/database.js";
import type { MeshRuntime } from "../mesh-runtime.js";
import type { TokenRefusalReason } from "../server/principal.js";
import type { MeshInterceptor } from "../server/mesh-call.js";
import type { MeshLimits } from "../server/mesh-server.js";
import type { ServiceRegistration } from "../server/registration.js";
import type { TokenVerifier } from "../principal/index.js";
import type pg from "pg";

/**
 * One service of the system, declared once in `services/<name>/service.ts`.
 * Everything the system knows about a service comes from here: the runtime
 * opens and closes what it states, and the local registry, the databases,
 * the SVIDs, the authorization policy, the gateway's routes, the process
 * lists and the Kubernetes deployment are all derived from the manifests.
 */
export interface ServiceManifest<Settings = unknown> {
  /** The workload's name: its SPIFFE service account, process, database and Kubernetes names. A DNS label. */
  readonly name: string;
  /** One sentence: what the service is for (the deployment's description, `npm start`'s listing). */
  readonly description: string;
  /**
   * The internal face's port in the local registry. The others follow from
   * it: edge +100 (HTTP/1.1 +101), admin +200. Unique across manifests.
   */
  readonly port: number;
  /** The services this workload serves, with what of each the gateway exposes. */
  readonly serves: readonly Served[];
  /**
   * The gateway: besides `serves`, it serves every public service of the
   * other manifests on its edge face by forwarding each call to the owner,
   * and the policy lets it call them. Default false.
   */
  readonly forwardsPublicApis?: boolean;
  /** The methods it calls on other workloads; the authorization policy allows exactly these. Default none. */
  readonly calls?: readonly Called[];
  /**
   * Whether calls carry end-user tokens this service verifies with the keys
   * identity publishes (so the policy lets it call ListPublicKeys). Default
   * false: calls carrying a token are refused. Identity verifies its own
   * tokens from its own keys (Wired.tokenVerifier).
   */
  readonly verifiesEndUserTokens?: boolean;
  /**
   * A plain HTTP listener, beside the faces, for callers outside the game that
   * speak no RPC: payment providers' webhooks. The service starts it itself on
   * the port `portVariable` names; a deployment gives it a fixed port
   * (clusterPorts.webhooks) and the public gateway routes `pathPrefix` there.
   * Default none.
   */
  readonly webhooks?: { readonly pathPrefix: string; readonly portVariable: string };
  /** Serve the edge face (Connect, gRPC-Web, gRPC) too; the gateway does, other services only for debugging. Default off. */
  readonly edge?: (settings: Settings) => EdgeOptions;
  /** What the service keeps. Default: nothing (a stateless service, which can run as many replicas). */
  readonly state?: ServiceState;
  /**
   * Keys it needs from outside its own state (never kept beside the data they
   * protect): each an environment variable holding base64 random bytes. `npm
   * start` generates one per data directory (.chaos/secrets.json), the test
   * stacks one per world, and the Kubernetes Deployment reads it from the
   * service's Secret. The settings loader refuses to start without it. Default none.
   */
  readonly secrets?: readonly SecretKeySetting[];
  /** The streams of its own domain it publishes to (topic chaos.<name>.v1.<stream>), created at start-up. Default none. */
  readonly publishes?: readonly string[];
  /**
   * The topics whose events it consumes exactly once (inbox), each
   * `{ domain, stream }`; Wired.events says what each event type does. Event
   * types without a handler are acknowledged with no effect. Default none.
   */
  readonly consumes?: readonly TopicRef[];
  /**
   * Topics it reads without an inbox, from their end, each in a consumer
   * group of its process alone (the gateway's live feed): nothing is applied
   * exactly once and nothing is dead-lettered. Declared so its broker login
   * may read them and no more. Default none.
   */
  readonly follows?: readonly TopicRef[];
  /** The status code of each of its ErrorReasons; DomainErrors thrown by its core become those. Default none. */
  readonly errors?: DomainErrorMapping;
  /** Reads and validates its settings at start-up; a bad value stops it with a message naming the variable. */
  readonly settings?: (env: NodeJS.ProcessEnv) => Settings;
  /** Server limits (message size, deadlines, grace); default the mesh's. */
  readonly limits?: (settings: Settings) => Partial<MeshLimits>;
  /**
   * Set (by defineForeignWorkload) when the workload is a program of its own
   * rather than a Node service: how it is built and run. runService refuses
   * it; `npm start`, the test stacks and the deployment start its program.
   */
  readonly foreign?: ForeignProcess;
  /** Builds the handlers and background work from what the runtime opened. */
  wire(context: WireContext<Settings>): Wired | Promise<Wired>;
}

/** A key a service is given from outside (see ServiceManifest.secrets). */
export interface SecretKeySetting {
  /** e.g. CHAOS_IDENTITY_SECRET_KEY. */
  readonly variable: string;
  /** How many random bytes a generated key has (base64 in the variable). */
  readonly bytes: number;
}

/** A service this workload serves. */
export interface Served {
  readonly service: DescService;
  /** Reached by clients through the gateway. Default: internal only. */
  readonly public?: PublicApi;
  /**
   * Methods (local names) the `operator` identity may call by hand (grpcurl
   * with the operator's certificate): reads and support actions, never what
   * moves gold or items. Least privilege: the policy grants the operator these
   * and nothing else (health and reflection excepted). Default none.
   */
  readonly operatorMethods?: readonly string[];
}

/** What the gateway does with a public service. */
export interface PublicApi {
  /** Methods (local names, e.g. "login") anyone may call without an access token. Default none. */
  readonly openMethods?: readonly string[];
  /** Request headers of the edge call passed on to the owner (e.g. the client's address). Default none. */
  readonly forwardHeaders?: readonly string[];
  /**
   * Methods the gateway refuses (UNAVAILABLE, RATE_LIMITER_UNAVAILABLE) while its
   * rate limiter's store cannot answer, instead of serving them unlimited: the
   * ones floods aim at (sign-up, password guessing). Default none: every other
   * call goes through unlimited then, so a Redis outage is not a game outage.
   */
  readonly strictlyLimited?: readonly string[];
  /**
   * Methods (local names) a suspended or banned player may still call with the
   * appeal token identity hands out at their refused login: seeing their own
   * standing and appealing. Every other method refuses that token. Default none.
   */
  readonly appealMethods?: readonly string[];
}

/** Methods of another workload's service that this one calls. */
export interface Called {
  readonly service: DescService;
  /** Local method names (e.g. "applyDamage"), or "*" for all. */
  readonly methods: readonly string[] | "*";
}

/** A topic of the event backbone: chaos.<domain>.v1.<stream>. */
export interface TopicRef {
  readonly domain: string;
  readonly stream: string;
}

/** The edge face's options. */
export interface EdgeOptions {
  /** Origins allowed by CORS ("*" for any). */
  readonly allowedOrigins: readonly string[];
}

/** What a service keeps. */
export interface ServiceState {
  /** Its own PostgreSQL database (DATABASE_URL; DATABASE_OWNER_URL too with appendOnlyTables), migrated at start-up, with an outbox relayed to Kafka. */
  readonly database?: {
    /** The directory of its SQL migrations (new URL("./migrations", import.meta.url)). */
    readonly migrations: URL;
    /** Mesh tables it uses besides the outbox and inbox (eventStoreMigrations, sagaMigrations, jobQueueMigrations). Default none. */
    readonly meshTables?: readonly Migration[];
    /**
     * Tables its running code may only read and insert into (an audit log).
     * Declaring any splits the database's roles: migrations run as the owner
     * (DATABASE_OWNER_URL), and the service connects as a runtime role
     * (DATABASE_URL) granted full DML on its other tables but only SELECT and
     * INSERT on these, so PostgreSQL itself refuses an UPDATE or DELETE
     * (SQLSTATE 42501). Start-up stops when DATABASE_URL's role could still
     * change them. Provisioning (npm start, the test stacks, the Kubernetes
     * Secret's keys) follows from this list. Default none: one role, the owner.
     */
    readonly appendOnlyTables?: readonly string[];
  };
  /** Redis (REDIS_URL), keys prefixed with the service's name. Default false. */
  readonly redis?: boolean;
}

/** What `wire` is given: the settings and everything the runtime opened for the manifest. */
export interface WireContext<Settings> {
  readonly settings: Settings;
  readonly runtime: MeshRuntime;
  readonly logger: Logger;
  /** The workload's SPIFFE ID URI: the ce_source of its events. */
  readonly source: string;
  /** Its database; throws when the manifest declares none. */
  readonly db: Database;
  /** Its Redis; throws when the manifest declares none. */
  readonly redis: Redis;
  readonly kafka: Kafka;
  /** A typed client of a service this one declares in `calls`, on the workload that serves it. */
  client<S extends DescService>(service: S): Client<S>;
  /**
   * Registers work to stop at shutdown, after the faces and the consumer
   * stopped and before the database closes, in reverse order of registration.
   */
  onStop(stop: () => Promise<void> | void): void;
}

/** What `wire` builds. */
export interface Wired {
  /** Handlers of every service in `serves`, and of no other (but the public services a gateway forwards). */
  readonly services: readonly ServiceRegistration[];
  /** The effects of consumed events: one per event type, in the transaction `bind` makes of the inbox's. */
  readonly events?: ConsumedEvents<unknown>;
  /** Interceptors after the mesh's own and the domain-error mapping. Default none. */
  readonly interceptors?: readonly MeshInterceptor[];
  /** Interceptors that see every call first (see MeshServerOptions.firstInterceptors). Default none. */
  readonly firstInterceptors?: readonly MeshInterceptor[];
  /** Replaces identity's verifier of end-user tokens (identity itself). */
  readonly tokenVerifier?: TokenVerifier;
  /** The ErrorInfo reason of refused tokens. Default none. */
  readonly tokenRefusal?: TokenRefusalReason;
  /**
   * Appeal methods beyond the manifest's own ("/package.Service/Method"): the
   * gateway's, which forwards other services' (PublicRoute.appealMethods).
   */
  readonly appealMethods?: ReadonlySet<string>;
  /** Called when shutdown begins, before calls drain (end long-lived streams so clients move elsewhere). */
  readonly onDrain?: () => void;
  /**
   * The handlers (and settings) of the jobs the service enqueues (enqueueJobs):
   * the runtime runs a job worker on its database from after `wire` until
   * shutdown, stopped after the consumer and before `onStop` work and the
   * database. Needs jobQueueMigrations in state.database.meshTables. Default none.
   */
  readonly jobs?: JobWorkerSettings;
}

/** Handlers of consumed events, given the service's own store bound to the inbox transaction. */
export interface ConsumedEvents<Tx> {
  /** The store's operations inside the inbox transaction (e.g. `(client) => store.within(client)`). */
  readonly bind: (client: pg.PoolClient) => Tx;
  readonly handlers: readonly EventHandler<Tx>[];
}

/** Pairs the store binder with handlers of consumed events, keeping the transaction's type checked. */
export function consumeEvents<Tx>(bind: (client: pg.PoolClient) => Tx, handlers: readonly EventHandler<Tx>[]): ConsumedEvents<unknown> {
  return { bind, handlers } as unknown as ConsumedEvents<unknown>;
}

/** A manifest whatever its settings' type, for code that handles all of them (the runtime, the system's generators). */
// `any`: a manifest's settings type is invariant (read, then passed back to edge, limits and wire).
export type AnyServiceManifest = ServiceManifest<any>;

/** Declares a service; the type parameter is inferred from `settings`. */
export function defineService<Settings = undefined>(manifest: ServiceManifest<Settings>): ServiceManifest<Settings> {
  return manifest;
}

