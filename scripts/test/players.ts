import { randomUUID } from "node:crypto";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { principalHeader } from "@chaos/mesh";
import type { Stack } from "./stack.js";

/** A registered, logged-in test player. */
export interface TestPlayer {
  readonly accountId: string;
  readonly email: string;
  readonly password: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Call options that act as this player on a service's internal face (what the gateway forwards). */
  readonly asPlayer: { readonly headers: Record<string, string> };
}

/** Registers and logs in a fresh player through the identity service of `stack` (as the operator workload). */
export async function signUp(stack: Stack, email = `p-${randomUUID()}@example.com`, password = "correct horse battery staple"): Promise<TestPlayer> {
  const identity = stack.operator.client(IdentityService, "identity");
  const { account } = await identity.register({ email, password });
  const { tokens } = await identity.login({ email, password, userAgent: "vitest" });
  if (account === undefined || tokens === undefined) throw new Error("identity answered without an account or tokens");
  return {
    accountId: account.accountId,
    email,
    password,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    asPlayer: { headers: { [principalHeader]: tokens.accessToken } },
  };
}
