import { Code, ConnectError } from "@connectrpc/connect";
import { errorInfoOf } from "@chaos/mesh";

/** What a client branches on when a call is refused. */
export interface Refusal {
  readonly code: Code;
  readonly reason: string | undefined;
  readonly metadata: Record<string, string>;
}

/** The refusal of a call that must fail; a call that succeeds fails the test. */
export async function refusalOf(call: Promise<unknown>): Promise<Refusal> {
  try {
    await call;
  } catch (error) {
    const failure = ConnectError.from(error);
    const info = errorInfoOf(failure);
    return { code: failure.code, reason: info?.reason, metadata: info?.metadata ?? {} };
  }
  throw new Error("the call succeeded but was expected to be refused");
}

export { Code };
