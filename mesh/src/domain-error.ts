import type { DescEnum } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { RetryInfoSchema } from "@chaos/gen/google/rpc/error_details_pb.js";
import { errorWithReason, reasonName } from "./error-info.js";
import { DomainError } from "./domain/domain-error.js";
import type { MeshInterceptor } from "./server/mesh-call.js";

/** How a service reports its domain errors: its ErrorInfo domain, its ErrorReason enum, and a status code per reason. */
export interface DomainErrorMapping {
  /** "<service>.chaos.world". */
  readonly domain: string;
  /** The generated ErrorReasonSchema of the service's errors.proto. */
  readonly reasons: DescEnum;
  /** The status code of each reason; a reason missing here is a bug and becomes INTERNAL. */
  readonly codes: Readonly<Partial<Record<number, Code>>>;
}

/** The ConnectError (code + google.rpc.ErrorInfo) a DomainError becomes on the wire. */
export function toStatusError(error: DomainError, mapping: DomainErrorMapping): ConnectError {
  const code = mapping.codes[error.reason];
  if (code === undefined) return new ConnectError("internal error", Code.Internal, undefined, undefined, error);
  const status = errorWithReason(code, error.message, { reason: reasonName(mapping.reasons, error.reason), domain: mapping.domain, metadata: { ...error.metadata } });
  if (error.retryAfterMs !== undefined) {
    status.details.push({ desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: durationFromMs(Math.max(1, Math.ceil(error.retryAfterMs))) }) });
  }
  return status;
}

/**
 * A server interceptor that turns DomainErrors thrown by handlers (and the
 * core code they call) into status errors with ErrorInfo, on both faces and
 * for streams too.
 */
export function createDomainErrorInterceptor(mapping: DomainErrorMapping): MeshInterceptor {
  const convert = (error: unknown) => (error instanceof DomainError ? toStatusError(error, mapping) : error);
  return (next) => async (call) => {
    let result;
    try {
      result = await next(call);
    } catch (error) {
      throw convert(error);
    }
    if (result.kind === "unary") return result;
    const messages = result.messages;
    return {
      kind: "stream",
      messages: (async function* () {
        try {
          yield* messages;
        } catch (error) {
          throw convert(error);
        }
      })(),
    };
  };
}
