import { Code, ConnectError } from "@connectrpc/connect";
import { expect } from "vitest";
import { errorInfoOf } from "@chaos/mesh";

/** What a client branches on when a call is refused. */
export interface Refusal {
  readonly code: Code;
  readonly reason: string | undefined;
  readonly metadata: Record<string, string>;
}

/** The ConnectError a call is refused with; fails the test when it succeeds or throws anything else. */
export async function refusal(call: Promise<unknown> | (() => Promise<unknown>)): Promise<ConnectError> {
  const error = await (typeof call === "function" ? call() : call).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the call should have been refused").toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

/** The code and ErrorInfo of a call that must be refused. */
export async function refusalOf(call: Promise<unknown>): Promise<Refusal> {
  const failure = await refusal(call);
  const info = errorInfoOf(failure);
  return { code: failure.code, reason: info?.reason, metadata: info?.metadata ?? {} };
}

export { Code };
