import fs from "node:fs";
import path from "node:path";
import { createDnsDiscovery, createFileDiscovery, defaultLimits, isStateless, loadMeshConfig, operatorIdentity, policyOf, spiffeIdFor, type AnyServiceManifest } from "@chaos/mesh";
import { clusterPorts, defaultIngressGateway, istioPrincipal, preStopSleepSeconds } from "@chaos/mesh/dev";
import { loadGatewayConfig } from "../../services/gateway/config.js";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "../infra/config.js";
import { serviceManifests } from "../infra/services.js";
import { meshIdentity } from "../system/render.js";
import { generatedFilesIn } from "./generated-files.js";
import { deploymentDir, renderDeploymentFiles } from "./render.js";

// Loosely typed on purpose: these tests read the committed YAML as a cluster would.
type Resource = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [field: string]: any };

let manifests: AnyServiceManifest[];
let generated: Record<string, string>;
let resources: Resource[];

const { trustDomain, namespace } = meshIdentity;
const byKind = (kind: string) => resources.filter((resource) => resource.kind === kind);
const named = (kind: string, name: string) => {
  const found = byKind(kind).find((resource) => resource.metadata.name === name);
  if (found === undefined) throw new Error(`istio/ has no ${kind} ${name}`);
  return found;
};

beforeAll(async () => {
  manifests = await serviceManifests();
  generated = renderDeploymentFiles(manifests);
  resources = generatedFilesIn(deploymentDir).flatMap((file) =>
    parseAllDocuments(fs.readFileSync(path.join(deploymentDir, file), "utf8")).map((document) => {
      if (document.errors.length > 0) throw new Error(`istio/${file}: ${document.errors[0]!.message}`);
      return document.toJS() as Resource;
    }),
  );
});

describe("istio/", () => {
  it("is what the manifests generate, with no file the generation no longer makes (run `npm run istio`)", () => {
    expect(generatedFilesIn(deploymentDir)).toEqual(Object.keys(generated).sort());
    for (const [name, content] of Object.entries(generated)) {
      expect(fs.readFileSync(path.join(deploymentDir, name), "utf8"), `istio/${name}`).toBe(content);
    }
  });

  it("lists every other file in its kustomization, once", () => {
    const [kustomization] = byKind("Kustomization");
    expect([...kustomization!.resources].sort()).toEqual(generatedFilesIn(deploymentDir).filter((file) => file !== "kustomization.yaml"));
  });

  it("gives every service a ServiceAccount named after it, and runs its Deployment as that account", () => {
    for (const manifest of manifests) {
      const account = named("ServiceAccount", manifest.name);
      expect(account.metadata.annotations?.["chaos.world/spiffe-id"]).toBe(spiffeIdFor(manifest.name, meshIdentity).uri);
      expect(named("Deployment", manifest.name).spec.template.spec.serviceAccountName).toBe(manifest.name);
    }
    expect(byKind("Deployment")).toHaveLength(manifests.length);
  });

  it("names in its policies only principals of the trust domain that Istio derives from those accounts", () => {
    const accounts = new Set(byKind("ServiceAccount").map((account) => account.metadata.name));
    const principals = byKind("AuthorizationPolicy").flatMap((policy) =>
      (policy.spec.rules ?? []).flatMap((rule: { from?: Array<{ source: { principals: string[] } }> }) => rule.from?.flatMap((from) => from.source.principals) ?? []),
    );
    const ingress = istioPrincipal(trustDomain, defaultIngressGateway.namespace, defaultIngressGateway.serviceAccount);
    for (const principal of new Set(principals)) {
      if (principal === ingress || principal === `${trustDomain}/ns/${namespace}/sa/*`) continue;
      const account = /^([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
      expect(account, principal).not.toBeNull();
      // Istio's principal is the peer's SPIFFE ID without its scheme, in meshConfig.trustDomain.
      expect(`spiffe://${principal}`).toBe(spiffeIdFor(account![3]!, meshIdentity).uri);
      if (account![3] !== operatorIdentity) expect(accounts, `the account of ${principal}`).toContain(account![3]);
    }
  });

  it("gives every caller of the policy (the operator aside) a ServiceAccount and a Deployment", () => {
    const policy = policyOf(manifests, meshIdentity);
    const callers = new Set(Object.values(policy.services).flatMap((service) => service.allow.flatMap((rule) => rule.callers)));
    callers.delete(operatorIdentity);
    expect(callers.size).toBeGreaterThan(0);
    for (const caller of callers) {
      named("ServiceAccount", caller);
      named("Deployment", caller);
    }
  });

  it("opens and routes the same ports the runtime listens on, as its ConfigMap tells it", () => {
    for (const manifest of manifests) {
      const config = loadMeshConfig(named("ConfigMap", manifest.name).data, repoRoot);
      const container = named("Deployment", manifest.name).spec.template.spec.containers[0];
      const data = named("ConfigMap", manifest.name).data as Record<string, string>;
      // A webhook listener is the service's own, on the port its variable names (the gateway's settings read it).
      const webhooks = manifest.webhooks === undefined ? {} : { "http-webhooks": Number(data[manifest.webhooks.portVariable]) };
      const listened = { "grpc-internal": config.internalPort, ...(manifest.edge === undefined ? {} : { "http2-edge": config.edgePort }), ...webhooks, "http-admin": config.adminPort };
      expect(config.mode).toBe("sidecar");
      expect({ trustDomain: config.trustDomain, namespace: config.namespace }).toEqual(meshIdentity);
      expect(Object.fromEntries(container.ports.map((port: { name: string; containerPort: number }) => [port.name, port.containerPort]))).toEqual(listened);
      const service = named("Service", manifest.name);
      expect(Object.fromEntries(service.spec.ports.map((port: { name: string; targetPort: number }) => [port.name, port.targetPort]))).toEqual(listened);
      expect(service.spec.selector).toEqual({ app: manifest.name });
      // The sidecar hands each port to the loopback address the runtime binds in sidecar mode.
      const sidecar = named("Sidecar", manifest.name);
      expect(sidecar.spec.ingress.map((ingress: { port: { number: number }; defaultEndpoint: string }) => [ingress.port.number, ingress.defaultEndpoint])).toEqual(
        Object.values(listened).map((port) => [port, `127.0.0.1:${port}`]),
      );
      for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) expect(container[probe].httpGet.port, probe).toBe(config.adminPort);
      expect(container.livenessProbe.httpGet.path).toBe("/healthz");
      expect(container.readinessProbe.httpGet.path).toBe("/readyz");
    }
  });

  it("tells each service the address of every workload it may call: the one createDnsDiscovery dials, at the Service's port", () => {
    const policy = policyOf(manifests, meshIdentity);
    for (const manifest of manifests) {
      const data = named("ConfigMap", manifest.name).data as Record<string, string>;
      const discovery = createFileDiscovery(undefined, data);
      const callees = Object.keys(policy.services).filter((target) => target !== manifest.name && policy.services[target]!.allow.some((rule) => rule.callers.includes(manifest.name)));
      for (const callee of callees) {
        const address = discovery.resolve(callee).internal;
        expect(address, `${manifest.name} → ${callee}`).toBe(createDnsDiscovery(namespace).resolve(callee).internal);
        const port = named("Service", callee).spec.ports.find((p: { name: string }) => p.name === "grpc-internal").port;
        expect(address).toBe(`dns:///${callee}.${namespace}.svc.cluster.local:${port}`);
      }
      // Its own address is not overridden: the runtime binds the registry's loopback host.
      expect(() => discovery.resolve(manifest.name)).toThrow();
      expect(Object.keys(data).filter((key) => key.startsWith("CHAOS_ADDR_"))).toHaveLength(callees.length);
    }
  });

  it("lets shutdown take longer than the mesh's drain, and the sidecar outlive it", () => {
    for (const manifest of manifests) {
      const pod = named("Deployment", manifest.name).spec.template;
      const drainSeconds = preStopSleepSeconds + defaultLimits.shutdownGraceMs / 1000;
      expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(drainSeconds);
      expect(pod.spec.containers[0].lifecycle.preStop.sleep.seconds).toBe(preStopSleepSeconds);
      const proxy = JSON.parse(pod.metadata.annotations["proxy.istio.io/config"]) as { terminationDrainDuration: string };
      expect(Number.parseInt(proxy.terminationDrainDuration, 10)).toBeGreaterThanOrEqual(drainSeconds);
    }
  });

  it("gives each service the connection Secrets its state needs, by reference only, and commits no Secret", () => {
    expect(byKind("Secret")).toEqual([]);
    for (const manifest of manifests) {
      const env = (named("Deployment", manifest.name).spec.template.spec.containers[0].env ?? []) as Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }>;
      for (const variable of env) {
        expect(variable.value, variable.name).toBeUndefined();
        expect(variable.valueFrom!.secretKeyRef).toEqual({ name: `${manifest.name}-connections`, key: variable.name });
      }
      const names = env.map((variable) => variable.name);
      expect(names.includes("DATABASE_URL"), manifest.name).toBe(manifest.state?.database !== undefined);
      expect(names.includes("REDIS_URL"), manifest.name).toBe(manifest.state?.redis === true);
    }
  });

  it("autoscales exactly the stateless services, and keeps a fixed count of the others", () => {
    for (const manifest of manifests) {
      const autoscaler = byKind("HorizontalPodAutoscaler").find((hpa) => hpa.metadata.name === manifest.name);
      const deployment = named("Deployment", manifest.name);
      if (isStateless(manifest)) {
        expect(autoscaler?.spec.scaleTargetRef, manifest.name).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: manifest.name });
        expect(deployment.spec.replicas, manifest.name).toBeUndefined();
      } else {
        expect(autoscaler, manifest.name).toBeUndefined();
        expect(deployment.spec.replicas, manifest.name).toBeGreaterThan(1);
      }
      expect(named("PodDisruptionBudget", manifest.name).spec.selector).toEqual({ matchLabels: { app: manifest.name } });
      expect(named("DestinationRule", manifest.name).spec.trafficPolicy.outlierDetection).toBeDefined();
    }
  });

  it("runs every service from the one image, by its main module, as a non-root user", () => {
    for (const manifest of manifests) {
      const pod = named("Deployment", manifest.name).spec.template.spec;
      expect(pod.containers).toHaveLength(1);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      // A foreign workload (a Go program) is not Node: the next test covers it.
      if (manifest.foreign !== undefined) continue;
      expect(pod.containers[0].image).toBe("chaos-world");
      expect(pod.containers[0].args).toEqual([`services/${manifest.name}/main.ts`]);
      expect(fs.existsSync(path.join(repoRoot, pod.containers[0].args[0]))).toBe(true);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
    }
    const dockerfile = fs.readFileSync(path.join(repoRoot, "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/^FROM node:24[-.\w]*$/m);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(byKind("Deployment")[0]!.spec.template.spec.securityContext.runAsUser).toBe(1000);
  });

  it("runs a foreign workload from its own image, whose entrypoint is its program, built from sources that exist", () => {
    const foreign = manifests.filter((manifest) => manifest.foreign !== undefined);
    expect(foreign.map((manifest) => manifest.name)).toContain("gameserver");
    for (const manifest of foreign) {
      const container = named("Deployment", manifest.name).spec.template.spec.containers[0];
      expect(container.image).toBe(manifest.foreign!.image);
      expect(container.args).toBeUndefined();
      expect(named("ConfigMap", manifest.name).data.NODE_OPTIONS).toBeUndefined();
      expect(fs.existsSync(path.join(repoRoot, manifest.foreign!.sourceDir, "Dockerfile")), `${manifest.foreign!.sourceDir}/Dockerfile`).toBe(true);
    }
  });

  it("makes the gateway's edge face and its webhook listener public through the ingress gateway, and only those ports", () => {
    const gateway = manifests.find((manifest) => manifest.forwardsPublicApis === true)!;
    const [webhookRoute, edgeRoute] = named("VirtualService", "public").spec.http;
    // The payment provider's callbacks first, by their prefix; everything else to the edge face.
    expect(webhookRoute.match).toEqual([{ uri: { prefix: "/webhooks/" } }]);
    expect(webhookRoute.route[0].destination).toEqual({ host: `gateway.${namespace}.svc.cluster.local`, port: { number: clusterPorts.webhooks } });
    expect(edgeRoute.match).toBeUndefined();
    expect(edgeRoute.route[0].destination).toEqual({ host: `gateway.${namespace}.svc.cluster.local`, port: { number: clusterPorts.edge } });
    expect(loadGatewayConfig(named("ConfigMap", gateway.name).data).webhookPort).toBe(clusterPorts.webhooks);
    expect(named("Service", gateway.name).spec.ports.map((port: { port: number }) => port.port)).toEqual(expect.arrayContaining([clusterPorts.edge, clusterPorts.webhooks]));
    expect(named("VirtualService", "public").spec.gateways).toEqual([named("Gateway", "public").metadata.name]);
    const ingress = istioPrincipal(trustDomain, defaultIngressGateway.namespace, defaultIngressGateway.serviceAccount);
    for (const policy of byKind("AuthorizationPolicy")) {
      const rules = (policy.spec.rules ?? []).filter((rule: { from?: Array<{ source: { principals: string[] } }> }) => rule.from?.some((from) => from.source.principals.includes(ingress)));
      if (policy.metadata.name === gateway.name) expect(rules.map((rule: { to: unknown }) => rule.to)).toEqual([[{ operation: { ports: [String(clusterPorts.edge), String(clusterPorts.webhooks)] } }]]);
      else expect(rules, policy.metadata.name).toEqual([]);
    }
  });

  it("puts the whole namespace in the mesh, mutual TLS only, denied unless allowed", () => {
    expect(named("Namespace", namespace).metadata.labels).toEqual({ "istio-injection": "enabled" });
    expect(named("PeerAuthentication", "default").spec).toEqual({ mtls: { mode: "STRICT" } });
    expect(named("AuthorizationPolicy", "allow-nothing").spec).toEqual({});
    for (const resource of resources) if (resource.kind !== "Namespace" && resource.kind !== "Kustomization") expect(resource.metadata.namespace, `${resource.kind} ${resource.metadata.name}`).toBe(namespace);
  });

  it("is rendered by tools only: no runtime code imports @chaos/mesh/dev", () => {
    const runtime = ["mesh/src", "services"].flatMap((dir) =>
      fs
        .readdirSync(path.join(repoRoot, dir), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") && path.relative(repoRoot, entry.parentPath) !== path.join("mesh", "src", "dev") && !entry.parentPath.includes("node_modules"))
        .map((entry) => path.join(entry.parentPath, entry.name)),
    );
    expect(runtime.length).toBeGreaterThan(50);
    const importers = runtime.filter((file) => /from "(?:@chaos\/mesh\/dev|(?:\.\.?\/)+dev\/[^"]*)"/.test(fs.readFileSync(file, "utf8")));
    expect(importers.map((file) => path.relative(repoRoot, file))).toEqual([]);
  });

  it("documents the trust domain Istio must be installed with", () => {
    expect(fs.readFileSync(path.join(deploymentDir, "README.md"), "utf8")).toContain(`meshConfig.trustDomain=${trustDomain}`);
  });
});
