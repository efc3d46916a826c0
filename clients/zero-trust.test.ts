import fs from "node:fs";
import path from "node:path";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BreakerRegistry,
  RetryBudget,
  createCertificateAuthority,
  createLogger,
  createMeshTransport,
  defaultBreakerOptions,
  defaultRetryPolicy,
  issueCertificate,
  issueSvid,
  spiffeIdFor,
} from "@chaos/mesh";
import { loadManifests } from "../mesh/src/service/system.js";
import type { AnyServiceManifest } from "../mesh/src/service/service-manifest.js";
import { useStack } from "../scripts/test/stack.js";

// The zero-trust matrix over every service's real internal face: each kind of
// caller a network attacker or a misconfigured workload could be, against one
// method of each service, refused the way the policy says: at the TLS
// handshake (UNAVAILABLE), by the workload-identity check (UNAUTHENTICATED) or
// by the authorization policy (PERMISSION_DENIED). mesh/test/zero-trust.test.ts
// covers each rule in depth on the echo service; this shows that no service
// was wired around them.

const manifests = await loadManifests(new URL("../services/", import.meta.url));
/** Every workload the mesh runs from a manifest (the examples' echo included). */
const services = manifests.filter((m) => m.serves.length > 0).map((m) => m.name);
const stack = useStack(services);
type PolicyFile = { services: Record<string, { allow: Array<{ callers: string[]; methods: string[] }> }> };
const shipped = JSON.parse(fs.readFileSync(new URL("../services/authorization.json", import.meta.url), "utf8")) as PolicyFile;
const logger = createLogger("zero-trust-matrix", "silent");

interface Credential {
  readonly certPem: string;
  readonly keyPem: string;
}

/** The method each service is probed with: the first unary one it serves, the internal face's if it has one. */
function probeOf(manifest: AnyServiceManifest): { service: DescService; method: DescMethod & { methodKind: "unary" } } {
  const ordered = [...manifest.serves].sort((a, b) => Number(a.public !== undefined) - Number(b.public !== undefined));
  for (const { service } of ordered) {
    const method = service.methods.find((m): m is DescMethod & { methodKind: "unary" } => m.methodKind === "unary");
    if (method !== undefined) return { service, method };
  }
  throw new Error(`${manifest.name} serves no unary method`);
}

/** A workload the policy lets call `method` of `service` on `target` (the control: it gets past the mesh's checks). */
function allowedCallerOf(target: string, service: DescService, method: DescMethod): string {
  // The stack's policy: the shipped one, with the test driver (the operator) on every method.
  const policy = JSON.parse(fs.readFileSync(stack.env.CHAOS_POLICY!, "utf8")) as PolicyFile;
  const paths = [`/${service.typeName}/${method.name}`, `/${service.typeName}/*`];
  const rule = policy.services[target]?.allow.find((r) => r.methods.some((m) => paths.includes(m)));
  if (rule === undefined) throw new Error(`the policy lets nobody call ${paths[0]} on ${target}`);
  return rule.callers[0]!;
}

/** One call with exactly these credentials, no retries: the gRPC code's name ("OK" for none) and the message. */
async function call(target: string, credentials: grpc.ChannelCredentials): Promise<{ code: string; message: string }> {
  const manifest = manifests.find((m) => m.name === target)!;
  const { service, method } = probeOf(manifest);
  const transport = createMeshTransport({
    target,
    address: `127.0.0.1:${stack.ports[target]!.internal}`,
    credentials,
    breakers: new BreakerRegistry(defaultBreakerOptions, logger, undefined),
    retryPolicy: { ...defaultRetryPolicy, maxAttempts: 1 },
    retryBudget: new RetryBudget(),
    logger,
  });
  try {
    // The probe differs per service: the client is called by the method's local name.
    const client = createClient(service, transport) as unknown as Record<string, (request: object, options: object) => Promise<unknown>>;
    await client[method.localName]!({}, { timeoutMs: 5_000 });
    return { code: "OK", message: "" };
  } catch (error) {
    const refusal = ConnectError.from(error);
    return { code: Code[refusal.code], message: refusal.rawMessage };
  } finally {
    transport.close();
  }
}

const withCert = (credential: Credential | undefined) =>
  grpc.credentials.createSsl(Buffer.from(stack.pki.caPem), credential === undefined ? null : Buffer.from(credential.keyPem), credential === undefined ? null : Buffer.from(credential.certPem));

let callers: Record<string, grpc.ChannelCredentials>;
let ca: Credential;

beforeAll(async () => {
  ca = { certPem: fs.readFileSync(path.join(stack.pki.dir, "ca.pem"), "utf8"), keyPem: fs.readFileSync(path.join(stack.pki.dir, "ca-key.pem"), "utf8") };
  const otherCa = await createCertificateAuthority({ commonName: "impostor" });
  const day = 86_400_000;
  const gateway = spiffeIdFor("gateway").uri;
  callers = {
    "no certificate": withCert(undefined),
    "plaintext (no TLS)": grpc.credentials.createInsecure(),
    "another CA": withCert(await issueSvid(otherCa, spiffeIdFor("gateway"))),
    expired: withCert(await issueCertificate(ca, { uris: [gateway], notBefore: new Date(Date.now() - 3 * day), notAfter: new Date(Date.now() - day) })),
    "another trust domain": withCert(await issueCertificate(ca, { uris: ["spiffe://evil.world/ns/chaos/sa/gateway"] })),
    "two URI SANs": withCert(await issueCertificate(ca, { uris: [gateway, spiffeIdFor("combat").uri] })),
    "CA-flagged leaf": withCert(await issueCertificate(ca, { uris: [gateway], isCa: true })),
    "a workload with no grant": withCert(await issueSvid(ca, spiffeIdFor("stranger"))),
  };
});

/** What the matrix expects of each caller: refused, and where. */
const expected: Record<string, string> = {
  "no certificate": "Unavailable",
  "plaintext (no TLS)": "Unavailable",
  "another CA": "Unavailable",
  expired: "Unavailable",
  "another trust domain": "Unauthenticated",
  "two URI SANs": "Unauthenticated",
  "CA-flagged leaf": "Unauthenticated",
  "a workload with no grant": "PermissionDenied",
};

/**
 * The Go game server checks the peer's SPIFFE ID while verifying its
 * certificate, so what the Node runtime refuses after the handshake (a foreign
 * trust domain, two URI SANs, a CA-flagged leaf) it refuses during it: the same
 * callers refused, one step earlier.
 */
const expectedOf = (target: string): Record<string, string> =>
  manifests.find((m) => m.name === target)?.foreign === undefined
    ? expected
    : { ...expected, "another trust domain": "Unavailable", "two URI SANs": "Unavailable", "CA-flagged leaf": "Unavailable" };

describe("zero trust on every service's internal face", () => {
  it.each(services)("%s refuses every caller the policy does not name, each where the policy says", async (target) => {
    const outcomes: Record<string, string> = {};
    for (const [name, credentials] of Object.entries(callers)) outcomes[name] = (await call(target, credentials)).code;
    expect(outcomes).toEqual(expectedOf(target));
  });

  it.each(services)("%s lets a caller the policy names past the mesh's checks (the control)", async (target) => {
    const { service, method } = probeOf(manifests.find((m) => m.name === target)!);
    const caller = allowedCallerOf(target, service, method);
    const svid = await issueSvid(ca, spiffeIdFor(caller));
    // An empty request may be invalid, name nothing or lack an end user's token: any answer but the mesh's refusal will do.
    const outcome = await call(target, withCert(svid));
    expect(outcome.code).not.toMatch(/^(Unavailable|PermissionDenied)$/);
    expect(outcome.message).not.toMatch(/caller identity required/);
  });
});

