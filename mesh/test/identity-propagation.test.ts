import { Code, ConnectError, createClient } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "@chaos/gen/chaos/echo/v1/echo_service_pb.js";
import { createEchoHandlers } from "../../services/echo/handlers/echo.js";
import {
  BreakerRegistry,
  RetryBudget,
  createAuthorizer,
  createLogger,
  createMeshServer,
  createMeshTransport,
  createTokenSigner,
  createTokenVerifier,
  defaultBreakerOptions,
  defaultRetryPolicy,
  generateSigningKey,
  principalHeader,
  registration,
  type MeshRuntime,
  type MeshServer,
  type TokenSigner,
} from "../src/index.js";
import { createTestPki, startEcho, testPolicy, testRuntime } from "./harness.js";

const logger = createLogger("identity-test", "silent");

describe("sidecar mode (Istio): caller identity from x-forwarded-client-cert on loopback", () => {
  let server: MeshServer;
  let port: number;

  beforeAll(async () => {
    server = createMeshServer({
      name: "echo",
      services: [registration(EchoService, createEchoHandlers("echo"))],
      internal: { port: 0, security: { mode: "sidecar" } },
      authorizer: createAuthorizer(testPolicy),
      logger,
    });
    port = (await server.start()).internalPort;
  });
  afterAll(() => server.shutdown());

  const whoAmI = async (xfcc?: string) => {
    const transport = createMeshTransport({
      target: "echo",
      address: `127.0.0.1:${port}`,
      credentials: grpc.credentials.createInsecure(),
      breakers: new BreakerRegistry(defaultBreakerOptions, logger, undefined),
      retryPolicy: { ...defaultRetryPolicy, maxAttempts: 1 },
      retryBudget: new RetryBudget(),
      logger,
    });
    try {
      const headers = xfcc === undefined ? undefined : { "x-forwarded-client-cert": xfcc };
      return (await createClient(EchoService, transport).whoAmI({}, { headers })).caller;
    } catch (error) {
      return Code[(error as ConnectError).code];
    } finally {
      transport.close();
    }
  };

  it("trusts the peer Envoy authenticated (the last element) and applies the policy to it", async () => {
    const envoy = 'By=spiffe://chaos.world/ns/chaos/sa/echo;Hash=abc;Subject="";URI=spiffe://chaos.world/ns/chaos/sa/gateway';
    expect(await whoAmI(envoy)).toBe("spiffe://chaos.world/ns/chaos/sa/gateway");
    expect(await whoAmI(envoy.replace("sa/gateway", "sa/combat"))).toBe("PermissionDenied");
  });

  it("refuses calls without the header or with a foreign trust domain", async () => {
    expect(await whoAmI()).toBe("Unauthenticated");
    expect(await whoAmI("URI=spiffe://evil.world/ns/chaos/sa/gateway")).toBe("Unauthenticated");
  });

  it("refuses to listen beyond loopback in sidecar mode", () => {
    expect(() =>
      createMeshServer({
        name: "echo",
        services: [],
        internal: { host: "0.0.0.0", port: 0, security: { mode: "sidecar" } },
        authorizer: createAuthorizer(testPolicy),
        logger,
      }),
    ).toThrow(/loopback only/);
  });
});

describe("end-user principal", () => {
  let pkiDir: string;
  let signer: TokenSigner;
  let otherSigner: TokenSigner;
  const started: Array<{ server: MeshServer; runtime: MeshRuntime }> = [];
  let gateway: MeshRuntime;

  beforeAll(async () => {
    pkiDir = (await createTestPki()).dir;
    const key = await generateSigningKey("k1");
    signer = createTokenSigner({ issuer: "identity.chaos.world", audience: "chaos.world", keys: [key] });
    otherSigner = createTokenSigner({ issuer: "identity.chaos.world", audience: "chaos.world", keys: [await generateSigningKey("k1")] });
    const tokenVerifier = createTokenVerifier({ issuer: "identity.chaos.world", audience: "chaos.world", keys: [key.publicJwk] });
    const echo = await startEcho("echo", pkiDir, { tokenVerifier });
    started.push(echo);
    // relay answers Echo by asking echo's WhoAmI, so the test sees what the second hop saw.
    let upstream: MeshRuntime | undefined;
    const relay = await startEcho("relay", pkiDir, {
      tokenVerifier,
      addresses: { echo: echo.addresses.internalPort },
      impl: {
        async echo() {
          const who = await upstream!.client(EchoService, "echo").whoAmI({});
          return { payload: new TextEncoder().encode(who.principalSubject), servedBy: who.caller };
        },
      },
    });
    upstream = relay.runtime;
    started.push(relay);
    gateway = testRuntime("gateway", pkiDir, { echo: echo.addresses.internalPort, relay: relay.addresses.internalPort });
  });

  afterAll(async () => {
    gateway?.close();
    for (const s of started.reverse()) {
      await s.server.shutdown();
      s.runtime.close();
    }
  });

  it("hands the handler the verified player", async () => {
    const token = await signer.sign({ subject: "0b6f5c1e-2f1a-4f55-9d7e-1f9c2b3a4d5e", kind: "player", roles: ["player"], sessionId: "s-1" });
    const who = await gateway.client(EchoService, "echo").whoAmI({}, { headers: { [principalHeader]: token } });
    expect(who.principalSubject).toBe("0b6f5c1e-2f1a-4f55-9d7e-1f9c2b3a4d5e");
    expect(who.principalKind).toBe("player");
  });

  it("refuses a token signed by another key with UNAUTHENTICATED", async () => {
    const forged = await otherSigner.sign({ subject: "attacker", kind: "admin", roles: ["admin"], sessionId: "s-2" });
    const error = (await gateway.client(EchoService, "echo").whoAmI({}, { headers: { [principalHeader]: forged } }).catch((e: unknown) => e)) as ConnectError;
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.rawMessage).toContain("bad-signature");
  });

  it("forwards the verified token to the next hop, which sees the same player", async () => {
    const token = await signer.sign({ subject: "player-42", kind: "player", roles: [], sessionId: "s-3" });
    const response = await gateway.client(EchoService, "relay").echo({}, { headers: { [principalHeader]: token } });
    expect(new TextDecoder().decode(response.payload)).toBe("player-42");
    expect(response.servedBy).toBe("spiffe://chaos.world/ns/chaos/sa/relay");
  });
});
