import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { ROOT_CONTEXT, type Span, type Tracer } from "@opentelemetry/api";
import { currentCallScope } from "../call-scope.js";
import { endRpcSpan, extractTraceContext, injectTraceContext, startRpcSpan } from "../observability/tracing.js";
import { methodPath } from "./method-path.js";
import { withStreamEnd } from "./stream-end.js";

/**
 * The outermost client interceptor: one OpenTelemetry client span per call
 * (retries included), child of the caller's explicit `traceparent` header or
 * else of the incoming call being served, and W3C trace context in the
 * request headers for the next hop. A stream's span ends with the stream.
 * Without a tracer only the parent context is passed on.
 */
export function createTracingInterceptor(tracer: Tracer | undefined): Interceptor {
  return (next) => async (request) => {
    // An explicit traceparent from the caller wins over the ambient server span.
    const parent = request.header.has("traceparent") ? extractTraceContext(request.header) : (currentCallScope()?.traceContext ?? ROOT_CONTEXT);
    if (tracer === undefined) {
      injectTraceContext(parent, request.header);
      return next(request);
    }
    const { span, context } = startRpcSpan(tracer, "client", methodPath(request.method), parent);
    injectTraceContext(context, request.header);
    let response;
    try {
      response = await next(request);
    } catch (error) {
      end(span, error);
      throw error;
    }
    if (!response.stream) {
      endRpcSpan(span, undefined);
      return response;
    }
    return withStreamEnd(response, (failure) => end(span, failure));
  };
}

function end(span: Span, error: unknown): void {
  if (error === undefined) {
    endRpcSpan(span, undefined);
    return;
  }
  const failure = ConnectError.from(error);
  endRpcSpan(span, failure.code, failure.rawMessage);
}
