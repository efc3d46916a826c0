import { randomUUID } from "node:crypto";
import { createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { expect } from "vitest";
import type { Stack } from "../../scripts/test/stack.js";

/** The two ways clients reach the gateway in tests: gRPC over HTTP/2 (native clients) and Connect over HTTP/1.1 (browsers). */
export const edgeTransports = [
  ["gRPC over HTTP/2", (stack: Stack): Transport => createGrpcTransport({ baseUrl: stack.gateway.grpc })],
  ["Connect over HTTP/1.1", (stack: Stack): Transport => createConnectTransport({ baseUrl: stack.gateway.http1, httpVersion: "1.1" })],
] as const;

/** A player registered and logged in through the gateway. */
export interface EdgePlayer {
  readonly accountId: string;
  readonly email: string;
  readonly password: string;
  readonly accessToken: string;
  readonly sessionId: string;
  /** Call options carrying the access token as a client sends it. */
  readonly auth: { readonly headers: Record<string, string> };
}

/** Registers and logs in a fresh player through the gateway, as a game client does. */
export async function signUpAtEdge(transport: Transport): Promise<EdgePlayer> {
  const identity = createClient(IdentityService, transport);
  const email = `gw-${randomUUID()}@example.com`;
  const password = "correct horse battery staple";
  const { account } = await identity.register({ email, password });
  const { tokens } = await identity.login({ email, password, userAgent: "gateway-test" });
  if (account === undefined || tokens === undefined) throw new Error("identity answered without an account or tokens");
  return { accountId: account.accountId, email, password, accessToken: tokens.accessToken, sessionId: tokens.sessionId, auth: bearer(tokens.accessToken) };
}

/** Call options sending `token` the way clients do. */
export function bearer(token: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${token}` } };
}

/** The first item of a server stream (and its end, as the loop is left). */
export async function firstOf<T>(stream: AsyncIterable<T>): Promise<T | undefined> {
  for await (const item of stream) return item;
  return undefined;
}

/** Waits until the gateway reports exactly `count` open event streams (its admin /metrics). */
export async function waitForOpenStreams(stack: Stack, count: number): Promise<void> {
  const url = `http://127.0.0.1:${stack.ports.gateway!.admin}/metrics`;
  await expect
    .poll(
      async () => {
        const metrics = await (await fetch(url)).text();
        const match = /^chaos_gateway_feed_streams(?:\{[^}]*\})? (\d+)$/m.exec(metrics);
        return Number(match?.[1] ?? 0);
      },
      { timeout: 10_000, interval: 50 },
    )
    .toBe(count);
}

export { refusal } from "../../scripts/test/refusal.js";
