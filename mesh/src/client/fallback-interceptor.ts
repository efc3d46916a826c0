import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { unhealthyCodes } from "./breaker.js";
import { methodPath } from "./method-path.js";

/** A fallback answer per method path, or undefined to fail (see MeshTransportOptions.fallback). */
export type Fallback = (methodPath: string, error: ConnectError) => MessageInitShape<DescMessage> | undefined;

/**
 * Answers a unary call that failed with an unhealthy-upstream code (its
 * breaker open included) with the fallback's message, when it has one. It
 * runs outside tracing, so the call's span still shows the failure.
 */
export function createFallbackInterceptor(fallback: Fallback): Interceptor {
  return (next) => async (request) => {
    if (request.stream) return next(request);
    try {
      return await next(request);
    } catch (error) {
      const failure = ConnectError.from(error);
      const substitute = unhealthyCodes.has(failure.code) ? fallback(methodPath(request.method), failure) : undefined;
      if (substitute === undefined) throw error;
      return {
        stream: false,
        service: request.service,
        method: request.method,
        header: new Headers(),
        trailer: new Headers(),
        message: create(request.method.output, substitute as never),
      };
    }
  };
}
