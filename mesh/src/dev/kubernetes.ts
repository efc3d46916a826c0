import type { AuthorizationPolicy } from "../authz/policy.js";
import { createDnsDiscovery } from "../client/discovery.js";
import { spiffeIdFor } from "../identity/spiffe-id.js";
import { meshLimits } from "../server/mesh-server.js";
import type { AnyServiceManifest } from "../service/service-manifest.js";
import { isStateless, operatorIdentity } from "../service/system.js";
import type { YamlObject } from "./yaml-documents.js";

/**
 * The ports every workload listens on inside its pod. Fixed, not the local
 * registry's: a pod has its own network, so one port per face serves all
 * services, and createDnsDiscovery dials the internal one for every service.
 * The runtime is told them through CHAOS_INTERNAL_PORT, CHAOS_EDGE_PORT and
 * CHAOS_ADMIN_PORT (a webhook listener through its manifest's portVariable),
 * and listens on loopback behind the Envoy sidecar.
 */
export const clusterPorts = { internal: 7000, edge: 8080, webhooks: 8081, admin: 9090 } as const;

/** The Service/container port names: Istio reads the protocol from the prefix (and from appProtocol). */
export const portNames = { internal: "grpc-internal", edge: "http2-edge", webhooks: "http-webhooks", admin: "http-admin" } as const;

/** Where a rendered Kubernetes deployment runs. */
export interface DeploymentOptions {
  /** SPIFFE trust domain: Istio's meshConfig.trustDomain must be the same. */
  readonly trustDomain: string;
  /** The Kubernetes namespace of every workload. */
  readonly namespace: string;
  /** The image every Deployment runs (built from the repository's Dockerfile). Default "chaos-world". */
  readonly image?: string;
}

/** A rendered Kubernetes resource. */
export type KubernetesResource = YamlObject & { readonly apiVersion: string; readonly kind: string; readonly metadata: YamlObject };

/** Replicas of a stateless service (HorizontalPodAutoscaler bounds) and of one that owns a database (fixed). */
export const replicas = { stateless: { min: 2, max: 10, cpuUtilization: 70 }, stateful: 2 } as const;

/**
 * What a container gets. Node's heap is capped below the memory limit (the
 * rest is buffers and code outside the heap), so a leak ends in a heap error
 * with a stack trace rather than in an OOM kill without one.
 */
export const containerResources = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" }, maxOldSpaceMb: 384 } as const;

/** Seconds between SIGTERM's cause and SIGTERM, so endpoints stop sending new calls before the faces refuse them. */
export const preStopSleepSeconds = 5;

/** The Secret holding a service's connection settings (DATABASE_URL, REDIS_URL, KAFKA_BROKERS) and the keys its manifest declares: created by operators, never rendered. */
export function connectionSecretOf(manifest: AnyServiceManifest): string {
  return `${manifest.name}-connections`;
}

/**
 * The connection settings a service reads at start-up: DATABASE_URL (a role
 * that owns nothing) and DATABASE_OWNER_URL (the migrating owner's login)
 * when it has a database,
 * REDIS_URL (the service's own ACL user: redisAclRules) when it uses Redis,
 * KAFKA_BROKERS with KAFKA_USERNAME and KAFKA_PASSWORD (its SCRAM-SHA-512 user,
 * granted kafkaAclsOf) when it publishes, consumes, follows or relays an
 * outbox (any database has one).
 */
export function connectionVariablesOf(manifest: AnyServiceManifest): string[] {
  const database = manifest.state?.database !== undefined;
  const kafka = database || (manifest.publishes ?? []).length > 0 || (manifest.consumes ?? []).length > 0 || (manifest.follows ?? []).length > 0;
  return [
    ...(database ? ["DATABASE_URL", "DATABASE_OWNER_URL"] : []),
    ...(manifest.state?.redis === true ? ["REDIS_URL"] : []),
    ...(kafka ? ["KAFKA_BROKERS", "KAFKA_USERNAME", "KAFKA_PASSWORD"] : []),
    ...(manifest.secrets ?? []).map((secret) => secret.variable),
  ];
}

/** The workloads `caller` may call according to the policy (the operator is nobody's callee). */
export function calleesOf(policy: AuthorizationPolicy, caller: string): string[] {
  return Object.keys(policy.services)
    .filter((target) => target !== caller && policy.services[target]!.allow.some((rule) => rule.callers.includes(caller)))
    .sort();
}

/** The environment variable createFileDiscovery reads a workload's address from. */
export function addressVariableOf(service: string): string {
  return `CHAOS_ADDR_${service.toUpperCase().replaceAll("-", "_")}`;
}

/**
 * The runtime's settings in the cluster, the data of the service's
 * ConfigMap: sidecar mode, the identity's trust domain and namespace, the
 * fixed ports, and the cluster DNS address of every workload the policy lets
 * it call (what createDnsDiscovery resolves; the runtime reads them through
 * its file discovery's CHAOS_ADDR_<NAME> overrides). Its own address is not
 * among them, so it listens on the loopback host of the registry.
 */
export function meshEnvironmentOf(manifest: AnyServiceManifest, policy: AuthorizationPolicy, options: DeploymentOptions): Record<string, string> {
  const dns = createDnsDiscovery(options.namespace, clusterPorts.internal);
  return {
    CHAOS_MESH_MODE: "sidecar",
    CHAOS_TRUST_DOMAIN: options.trustDomain,
    CHAOS_NAMESPACE: options.namespace,
    CHAOS_INTERNAL_PORT: String(clusterPorts.internal),
    ...(manifest.edge === undefined ? {} : { CHAOS_EDGE_PORT: String(clusterPorts.edge) }),
    ...(manifest.webhooks === undefined ? {} : { [manifest.webhooks.portVariable]: String(clusterPorts.webhooks) }),
    CHAOS_ADMIN_PORT: String(clusterPorts.admin),
    // Node's heap cap; a foreign workload's program is not Node.
    ...(manifest.foreign === undefined ? { NODE_OPTIONS: `--max-old-space-size=${containerResources.maxOldSpaceMb}` } : {}),
    ...Object.fromEntries(calleesOf(policy, manifest.name).map((callee) => [addressVariableOf(callee), dns.resolve(callee).internal])),
  };
}

/**
 * How long a pod's shutdown may take, in seconds: `terminationGrace` for the
 * pod (the pre-stop pause, the mesh's grace for calls in flight, then the
 * closing of everything else) and `proxyDrain` for its sidecar, which must
 * carry the service's calls until its faces drained. The mesh's grace is the
 * manifest's limits read with the settings the pod gets from its ConfigMap.
 */
export function shutdownSecondsOf(manifest: AnyServiceManifest, environment: Record<string, string>): { terminationGrace: number; proxyDrain: number } {
  // The pod reads its keys from its Secret, which rendering never sees; placeholders of the declared size stand in (limits never depend on them).
  const keys = Object.fromEntries((manifest.secrets ?? []).map((key) => [key.variable, Buffer.alloc(key.bytes).toString("base64")]));
  const settings: unknown = manifest.settings?.({ ...keys, ...environment });
  const limits = meshLimits(manifest.limits?.(settings));
  const meshGrace = Math.ceil(limits.shutdownGraceMs / 1000);
  // The close budget after the grace: past both, the service exits by itself (runService) before the kubelet's SIGKILL.
  return { terminationGrace: preStopSleepSeconds + meshGrace + Math.ceil(limits.shutdownCloseBudgetMs / 1000), proxyDrain: preStopSleepSeconds + meshGrace + 5 };
}

/** The labels of a workload's resources; `app` is what Services, policies and Istio select by. */
export function labelsOf(name: string): Record<string, string> {
  return { app: name, "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "chaos-world" };
}

function metadataOf(name: string, options: DeploymentOptions, extra: YamlObject = {}): YamlObject {
  return { name, namespace: options.namespace, labels: labelsOf(name), ...extra };
}

/** The namespace, with sidecar injection on, so no workload of it runs outside the mesh. */
export function namespaceResource(options: DeploymentOptions): KubernetesResource {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name: options.namespace, labels: { "istio-injection": "enabled" } } };
}

/**
 * A service's Kubernetes resources: its ServiceAccount (the workload
 * identity), the ConfigMap of its mesh settings, its Deployment, Service and
 * PodDisruptionBudget, and a HorizontalPodAutoscaler when it is stateless.
 */
export function workloadResources(manifest: AnyServiceManifest, policy: AuthorizationPolicy, options: DeploymentOptions): KubernetesResource[] {
  if (manifest.name === operatorIdentity) throw new Error(`a service may not be named "${operatorIdentity}": that identity is the operators'`);
  const name = manifest.name;
  const environment = meshEnvironmentOf(manifest, policy, options);
  const shutdown = shutdownSecondsOf(manifest, environment);
  const stateless = isStateless(manifest);
  const ports = [
    { name: portNames.internal, port: clusterPorts.internal, appProtocol: "grpc" },
    ...(manifest.edge === undefined ? [] : [{ name: portNames.edge, port: clusterPorts.edge, appProtocol: "http2" }]),
    ...(manifest.webhooks === undefined ? [] : [{ name: portNames.webhooks, port: clusterPorts.webhooks, appProtocol: "http" }]),
    { name: portNames.admin, port: clusterPorts.admin, appProtocol: "http" },
  ];
  const probe = (path: string, periodSeconds: number, failureThreshold: number): YamlObject => ({
    httpGet: { path, port: clusterPorts.admin },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold,
  });
  const selector = { matchLabels: { app: name } };
  const resources: KubernetesResource[] = [
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: metadataOf(name, options, { annotations: { "chaos.world/spiffe-id": spiffeIdFor(name, options).uri } }),
      // The services never call the Kubernetes API; the sidecar brings its own projected token.
      automountServiceAccountToken: false,
    },
    { apiVersion: "v1", kind: "ConfigMap", metadata: metadataOf(name, options), data: environment },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: metadataOf(name, options, { annotations: { "chaos.world/description": manifest.description } }),
      spec: {
        // A stateless service's count is its autoscaler's; stating one here would reset it on every apply.
        replicas: stateless ? undefined : replicas.stateful,
        revisionHistoryLimit: 5,
        selector,
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: {
            labels: labelsOf(name),
            annotations: {
              // Istio merges these metrics into its own scrape (the admin port listens on loopback only).
              "prometheus.io/scrape": "true",
              "prometheus.io/port": String(clusterPorts.admin),
              "prometheus.io/path": "/metrics",
              "sidecar.istio.io/rewriteAppHTTPProbers": "true",
              "proxy.istio.io/config": JSON.stringify({
                // No outgoing call before Envoy can carry it, and Envoy outlives the drain.
                holdApplicationUntilProxyStarts: true,
                terminationDrainDuration: `${shutdown.proxyDrain}s`,
                // The rewritten probes reach the app on loopback, where it listens, not on the pod's address.
                proxyMetadata: { REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION: "true" },
              }),
            },
          },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: shutdown.terminationGrace,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: selector }],
            containers: [
              {
                name,
                // The image's entrypoint is node with tsx, and the argument picks the service; a foreign workload has an image of its own whose entrypoint is its program.
                image: manifest.foreign?.image ?? options.image ?? "chaos-world",
                imagePullPolicy: "IfNotPresent",
                args: manifest.foreign === undefined ? [`services/${name}/main.ts`] : undefined,
                ports: ports.map((port) => ({ name: port.name, containerPort: port.port, protocol: "TCP" })),
                envFrom: [{ configMapRef: { name } }],
                env:
                  connectionVariablesOf(manifest).length === 0
                    ? undefined
                    : connectionVariablesOf(manifest).map((variable) => ({ name: variable, valueFrom: { secretKeyRef: { name: connectionSecretOf(manifest), key: variable } } })),
                resources: { requests: containerResources.requests, limits: containerResources.limits },
                // Start-up migrates and creates topics before the admin port answers.
                startupProbe: probe("/healthz", 2, 60),
                livenessProbe: probe("/healthz", 10, 3),
                readinessProbe: probe("/readyz", 5, 2),
                lifecycle: { preStop: { sleep: { seconds: preStopSleepSeconds } } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                // tsx keeps its compile cache in the temporary directory.
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
              },
            ],
            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: metadataOf(name, options),
      spec: {
        selector: { app: name },
        ports: ports.map((port) => ({ name: port.name, port: port.port, targetPort: port.port, protocol: "TCP", appProtocol: port.appProtocol })),
      },
    },
    {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: metadataOf(name, options),
      // One pod at a time, whatever the count; pods that never got ready do not hold a node drain up.
      spec: { maxUnavailable: 1, selector, unhealthyPodEvictionPolicy: "AlwaysAllow" },
    },
  ];
  if (stateless) {
    resources.push({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: metadataOf(name, options),
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
        minReplicas: replicas.stateless.min,
        maxReplicas: replicas.stateless.max,
        metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: replicas.stateless.cpuUtilization } } }],
      },
    });
  }
  return resources;
}
