import type { ServiceImpl } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import { EchoService, ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/echo/v1/echo_service_pb.js";
import { callerOf, errorWithReason, principalOf, reasonName, traceIdOf } from "@chaos/mesh/server";

/** The echo handlers; `instance` names who answered (visible in responses). */
export function createEchoHandlers(instance: string): ServiceImpl<typeof EchoService> {
  return {
    async echo(request, context) {
      if (request.delayMs > 0) await delay(request.delayMs, context.signal);
      if (request.failCode !== 0) {
        if (request.retryPushbackMs !== "") context.responseTrailer.set("grpc-retry-pushback-ms", request.retryPushbackMs);
        throw errorWithReason(request.failCode as Code, "failure requested by the caller", {
          reason: reasonName(ErrorReasonSchema, ErrorReason.REQUESTED_FAILURE),
          domain: "echo.chaos.world",
        });
      }
      return { payload: request.payload, servedBy: instance };
    },
    async *echoStream(request, context) {
      for (let index = 0; index < request.count; index++) {
        if (index > 0 && request.intervalMs > 0) await delay(request.intervalMs, context.signal);
        yield { payload: request.payload, index };
      }
    },
    async echoClientStream(requests) {
      const payloads: Uint8Array[] = [];
      for await (const request of requests) payloads.push(request.payload);
      return { payload: concat(payloads), count: payloads.length, servedBy: instance };
    },
    async *echoBidi(requests, context) {
      let index = 0;
      for await (const request of requests) {
        if (request.delayMs > 0) await delay(request.delayMs, context.signal);
        yield { payload: request.payload, index: index++ };
      }
    },
    async whoAmI(_request, context) {
      const principal = principalOf(context);
      return {
        caller: callerOf(context)?.uri ?? "",
        principalSubject: principal?.subject ?? "",
        principalKind: principal?.kind ?? "",
        traceId: traceIdOf(context) ?? "",
      };
    },
  };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}
