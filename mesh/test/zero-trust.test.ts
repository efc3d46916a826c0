import fs from "node:fs";
import path from "node:path";
import tls from "node:tls";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "@chaos/gen/chaos/echo/v1/echo_service_pb.js";
import { Health } from "@chaos/gen/grpc/health/v1/health_pb.js";
import { ServerReflection } from "@chaos/gen/grpc/reflection/v1/reflection_pb.js";
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
  rotateSvid,
  spiffeIdFor,
  type LocalPki,
  type MeshAddresses,
  type MeshRuntime,
  type MeshServer,
} from "../src/index.js";
import { createTestPki, startEcho } from "./harness.js";

let pki: LocalPki;
let ca: { certPem: string; keyPem: string };
let echo: { runtime: MeshRuntime; server: MeshServer; addresses: MeshAddresses };
let relay: { runtime: MeshRuntime; server: MeshServer; addresses: MeshAddresses };
const logger = createLogger("zero-trust-test", "silent");

beforeAll(async () => {
  pki = await createTestPki();
  ca = { certPem: fs.readFileSync(path.join(pki.dir, "ca.pem"), "utf8"), keyPem: fs.readFileSync(path.join(pki.dir, "ca-key.pem"), "utf8") };
  echo = await startEcho("echo", pki.dir);
  relay = await startEcho("relay", pki.dir);
});

afterAll(async () => {
  for (const s of [echo, relay]) {
    await s?.server.shutdown();
    s?.runtime.close();
  }
});

/** Calls `method` on a server with exactly the client certificate given (or none), no retries. */
async function callWith(port: number, method: "echo" | "whoAmI" | "health" | "reflection", clientCert?: { certPem: string; keyPem: string }) {
  const credentials = grpc.credentials.createSsl(
    Buffer.from(pki.caPem),
    clientCert === undefined ? null : Buffer.from(clientCert.keyPem),
    clientCert === undefined ? null : Buffer.from(clientCert.certPem),
  );
  const transport = createMeshTransport({
    target: "echo",
    address: `127.0.0.1:${port}`,
    credentials,
    breakers: new BreakerRegistry(defaultBreakerOptions, logger, undefined),
    retryPolicy: { ...defaultRetryPolicy, maxAttempts: 1 },
    retryBudget: new RetryBudget(),
    logger,
  });
  try {
    const client = createClient(EchoService, transport);
    if (method === "health") await createClient(Health, transport).check({ service: "" }, { timeoutMs: 3_000 });
    else if (method === "reflection") {
      const answers = createClient(ServerReflection, transport).serverReflectionInfo(
        (async function* () {
          yield { messageRequest: { case: "listServices", value: "" } } as const;
        })(),
        { timeoutMs: 3_000 },
      );
      for await (const answer of answers) if (answer.messageResponse.case === "errorResponse") return "ReflectionError";
    } else await (method === "echo" ? client.echo({}, { timeoutMs: 3_000 }) : client.whoAmI({}, { timeoutMs: 3_000 }));
    return "OK";
  } catch (error) {
    return Code[(error as ConnectError).code];
  } finally {
    transport.close();
  }
}

const svidOf = (service: string) => ({
  certPem: fs.readFileSync(pki.paths(service).cert, "utf8"),
  keyPem: fs.readFileSync(pki.paths(service).key, "utf8"),
});

describe("zero trust on the internal face", () => {
  it("accepts the allowed pairs", async () => {
    expect(await callWith(echo.addresses.internalPort, "echo", svidOf("gateway"))).toBe("OK");
    expect(await callWith(echo.addresses.internalPort, "whoAmI", svidOf("relay"))).toBe("OK");
    expect(await callWith(relay.addresses.internalPort, "echo", svidOf("gateway"))).toBe("OK");
  });

  it("rejects a client without a certificate (TLS handshake)", async () => {
    expect(await callWith(echo.addresses.internalPort, "echo")).toBe("Unavailable");
  });

  it("rejects a certificate from another CA (TLS handshake)", async () => {
    const otherCa = await createCertificateAuthority({ commonName: "impostor" });
    const forged = await issueSvid(otherCa, spiffeIdFor("gateway"));
    expect(await callWith(echo.addresses.internalPort, "echo", forged)).toBe("Unavailable");
  });

  it("rejects an expired certificate (TLS handshake)", async () => {
    const day = 86_400_000;
    const expired = await issueCertificate(ca, {
      uris: [spiffeIdFor("gateway").uri],
      notBefore: new Date(Date.now() - 3 * day),
      notAfter: new Date(Date.now() - day),
    });
    expect(await callWith(echo.addresses.internalPort, "echo", expired)).toBe("Unavailable");
  });

  it("rejects a valid chain whose SPIFFE ID is in another trust domain", async () => {
    const foreign = await issueCertificate(ca, { uris: ["spiffe://evil.world/ns/chaos/sa/gateway"] });
    expect(await callWith(echo.addresses.internalPort, "echo", foreign)).toBe("Unauthenticated");
  });

  it("rejects a certificate with two URI SANs", async () => {
    const two = await issueCertificate(ca, { uris: [spiffeIdFor("gateway").uri, spiffeIdFor("relay").uri] });
    expect(await callWith(echo.addresses.internalPort, "echo", two)).toBe("Unauthenticated");
  });

  it("rejects a leaf certificate that is itself a CA", async () => {
    const caLeaf = await issueCertificate(ca, { uris: [spiffeIdFor("gateway").uri], isCa: true });
    expect(await callWith(echo.addresses.internalPort, "echo", caLeaf)).toBe("Unauthenticated");
  });

  it("serves health and reflection to any valid workload of the trust domain, whatever the policy", async () => {
    for (const method of ["health", "reflection"] as const) {
      expect({ method, combat: await callWith(echo.addresses.internalPort, method, svidOf("combat")) }).toEqual({ method, combat: "OK" });
    }
  });

  it("refuses health and reflection to a foreign trust domain's SVID and to a CA-flagged leaf", async () => {
    const foreign = await issueCertificate(ca, { uris: ["spiffe://evil.world/ns/chaos/sa/gateway"] });
    const caLeaf = await issueCertificate(ca, { uris: [spiffeIdFor("gateway").uri], isCa: true });
    const two = await issueCertificate(ca, { uris: [spiffeIdFor("gateway").uri, spiffeIdFor("relay").uri] });
    for (const method of ["health", "reflection"] as const) {
      const outcomes = {
        foreign: await callWith(echo.addresses.internalPort, method, foreign),
        caLeaf: await callWith(echo.addresses.internalPort, method, caLeaf),
        twoUris: await callWith(echo.addresses.internalPort, method, two),
      };
      expect({ method, ...outcomes }).toEqual({ method, foreign: "Unauthenticated", caLeaf: "Unauthenticated", twoUris: "Unauthenticated" });
    }
  });

  it("denies an allowed caller on a method the policy does not grant it", async () => {
    expect(await callWith(relay.addresses.internalPort, "whoAmI", svidOf("gateway"))).toBe("PermissionDenied");
  });

  it("denies an identified caller that has no rule at all", async () => {
    expect(await callWith(echo.addresses.internalPort, "echo", svidOf("combat"))).toBe("PermissionDenied");
  });

  it("serves a rotated SVID to new connections without a restart", async () => {
    const serial = () =>
      new Promise<string>((resolve, reject) => {
        const socket = tls.connect({
          host: "127.0.0.1",
          port: echo.addresses.internalPort,
          ca: pki.caPem,
          cert: svidOf("gateway").certPem,
          key: svidOf("gateway").keyPem,
          ALPNProtocols: ["h2"],
          servername: "localhost",
        }, () => {
          resolve(socket.getPeerCertificate().serialNumber);
          socket.destroy();
        });
        socket.once("error", reject);
      });
    const before = await serial();
    await rotateSvid(pki.dir, "echo");
    await new Promise((r) => setTimeout(r, 1_000));
    const after = await serial();
    expect(after).not.toBe(before);
    expect(await callWith(echo.addresses.internalPort, "echo", svidOf("gateway"))).toBe("OK");
  });
});
