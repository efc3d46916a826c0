import type { AnyServiceManifest } from "../service/service-manifest.js";
import { clusterPorts, labelsOf, portNames, type DeploymentOptions, type KubernetesResource } from "./kubernetes.js";

/** The Istio ingress gateway that carries the public face into the mesh. */
export interface IngressGateway {
  /** Its namespace. Default "istio-system". */
  readonly namespace: string;
  /** Its service account, whose identity the gateway's policy admits. Default "istio-ingressgateway-service-account" (istioctl's default profile). */
  readonly serviceAccount: string;
  /** Its pods' labels, which the Gateway selects. Default `istio: ingressgateway`. */
  readonly selector: Readonly<Record<string, string>>;
  /** Public host names. Default "*" (any); an overlay narrows it. */
  readonly hosts: readonly string[];
  /** The TLS Secret of the public hosts, in the ingress gateway's namespace. Default "chaos-public-tls". */
  readonly tlsCredentialName: string;
}

/** Defaults of {@link IngressGateway}: an `istioctl install` with the default profile. */
export const defaultIngressGateway: IngressGateway = {
  namespace: "istio-system",
  serviceAccount: "istio-ingressgateway-service-account",
  selector: { istio: "ingressgateway" },
  hosts: ["*"],
  tlsCredentialName: "chaos-public-tls",
};

/** The name of the public Gateway and its VirtualService. */
export const publicGatewayName = "public";

/**
 * A workload's principal as Istio's AuthorizationPolicies name it: its SPIFFE
 * ID without the scheme, in the mesh's trust domain (meshConfig.trustDomain).
 */
export function istioPrincipal(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** The cluster DNS name of a service's Service. */
export function serviceHost(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.cluster.local`;
}

/** Sidecars of the namespace accept mutual TLS only: with the policies, nothing is reachable in plaintext or by an unlisted workload. */
export function peerAuthenticationResource(options: DeploymentOptions): KubernetesResource {
  return {
    apiVersion: "security.istio.io/v1",
    kind: "PeerAuthentication",
    metadata: { name: "default", namespace: options.namespace },
    spec: { mtls: { mode: "STRICT" } },
  };
}

/**
 * Connection limits and outlier detection of calls to a service. The mesh's
 * own breakers and retries act per caller; these act per endpoint, taking a
 * pod that keeps failing out of every caller's rotation for a while.
 * Envoy counts a call's grpc-status as its HTTP equivalent: UNAVAILABLE and
 * DEADLINE_EXCEEDED are gateway errors (503, 504), INTERNAL a 5xx.
 */
export function destinationRuleResource(manifest: AnyServiceManifest, options: DeploymentOptions): KubernetesResource {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "DestinationRule",
    metadata: { name: manifest.name, namespace: options.namespace, labels: labelsOf(manifest.name) },
    spec: {
      host: serviceHost(manifest.name, options.namespace),
      trafficPolicy: {
        tls: { mode: "ISTIO_MUTUAL" },
        connectionPool: {
          tcp: { maxConnections: 1024, connectTimeout: "2s" },
          // gRPC multiplexes calls on few connections: the bound that matters is concurrent requests.
          http: { http2MaxRequests: 4096, http1MaxPendingRequests: 1024, maxRequestsPerConnection: 0 },
        },
        outlierDetection: { consecutiveGatewayErrors: 5, consecutive5xxErrors: 10, interval: "10s", baseEjectionTime: "30s", maxEjectionPercent: 50 },
      },
    },
  };
}

/**
 * The service's sidecar forwards each port to the app on loopback, where the
 * runtime listens in sidecar mode (it trusts x-forwarded-client-cert only
 * there); without it Istio would forward to the pod's address, where nothing
 * listens.
 */
export function sidecarResource(manifest: AnyServiceManifest, options: DeploymentOptions): KubernetesResource {
  const ingress = [
    { port: clusterPorts.internal, protocol: "GRPC", name: portNames.internal },
    ...(manifest.edge === undefined ? [] : [{ port: clusterPorts.edge, protocol: "HTTP2", name: portNames.edge }]),
    ...(manifest.webhooks === undefined ? [] : [{ port: clusterPorts.webhooks, protocol: "HTTP", name: portNames.webhooks }]),
    { port: clusterPorts.admin, protocol: "HTTP", name: portNames.admin },
  ];
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "Sidecar",
    metadata: { name: manifest.name, namespace: options.namespace, labels: labelsOf(manifest.name) },
    spec: {
      workloadSelector: { labels: { app: manifest.name } },
      ingress: ingress.map(({ port, protocol, name }) => ({ port: { number: port, protocol, name }, defaultEndpoint: `127.0.0.1:${port}` })),
    },
  };
}

/**
 * The public face: the ingress gateway terminates TLS for the public hosts
 * (plain HTTP is redirected) and routes every request to the gateway
 * service's edge face over HTTP/2, which serves Connect, gRPC-Web and gRPC
 * alike; browsers' HTTP/1.1 ends at the ingress. Its webhook prefix (a
 * payment provider's callbacks) goes to its webhook listener instead.
 */
export function publicGatewayResources(gateway: AnyServiceManifest, options: DeploymentOptions, ingress: IngressGateway = defaultIngressGateway): KubernetesResource[] {
  if (gateway.edge === undefined) throw new Error(`${gateway.name} has no edge face to make public`);
  return [
    {
      apiVersion: "networking.istio.io/v1",
      kind: "Gateway",
      metadata: { name: publicGatewayName, namespace: options.namespace },
      spec: {
        selector: { ...ingress.selector },
        servers: [
          { port: { number: 443, name: "https", protocol: "HTTPS" }, hosts: [...ingress.hosts], tls: { mode: "SIMPLE", credentialName: ingress.tlsCredentialName } },
          { port: { number: 80, name: "http", protocol: "HTTP" }, hosts: [...ingress.hosts], tls: { httpsRedirect: true } },
        ],
      },
    },
    {
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata: { name: publicGatewayName, namespace: options.namespace },
      spec: {
        hosts: [...ingress.hosts],
        gateways: [publicGatewayName],
        // No route timeout: StreamPlayerEvents is long-lived, and the gateway bounds every call's deadline itself.
        http: [
          ...(gateway.webhooks === undefined
            ? []
            : [
                {
                  name: `${gateway.name}-webhooks`,
                  match: [{ uri: { prefix: gateway.webhooks.pathPrefix } }],
                  route: [{ destination: { host: serviceHost(gateway.name, options.namespace), port: { number: clusterPorts.webhooks } } }],
                },
              ]),
          { name: gateway.name, route: [{ destination: { host: serviceHost(gateway.name, options.namespace), port: { number: clusterPorts.edge } } }] },
        ],
      },
    },
  ];
}
