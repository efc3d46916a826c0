import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { createContextValues, createHandlerContext, type HandlerContext } from "@connectrpc/connect";

/** Deadline limits of a face. */
export interface DeadlineLimits {
  /** A call asking for more time gets this much (callers' defaults vary; the server decides). */
  readonly maxDeadlineMs: number;
  /** Applied to calls that carry no deadline, so nothing runs forever (never above the maximum). */
  readonly defaultDeadlineMs: number;
  /**
   * A shorter deadline is raised to this (never above the maximum). The edge
   * face sets it: a client's deadline is its own business, but what the
   * server then passes on must give upstreams a fair chance. Between
   * services the remaining time is exact, so the internal face sets none.
   */
  readonly minDeadlineMs?: number;
}

/** What a face knows about an incoming call before the chain runs. */
export interface IncomingCall {
  readonly service: DescService;
  readonly method: DescMethod;
  readonly protocolName: string;
  readonly url: string;
  readonly requestHeader: Headers;
  /** Remaining time the client allowed; undefined when it set no deadline. */
  readonly clientTimeoutMs: number | undefined;
  /** Aborted when the client cancels or disconnects. */
  readonly requestSignal: AbortSignal;
  /** Aborted when the server shuts down past its grace period. */
  readonly shutdownSignal: AbortSignal;
}

/**
 * Builds the HandlerContext both faces hand to the chain. The context's
 * signal fires on client cancellation, on the deadline (the client's, or the
 * default when it sent none) and on forced shutdown, so a handler — and every
 * outgoing call or query it makes with that signal — stops at once.
 */
export function createCallContext(call: IncomingCall, limits: DeadlineLimits): HandlerContext {
  const asked = Math.max(call.clientTimeoutMs ?? limits.defaultDeadlineMs, limits.minDeadlineMs ?? 0);
  const timeoutMs = Math.min(asked, limits.maxDeadlineMs);
  return createHandlerContext({
    service: call.service,
    method: call.method,
    protocolName: call.protocolName,
    requestMethod: "POST",
    url: call.url,
    timeoutMs,
    requestSignal: call.requestSignal,
    shutdownSignal: call.shutdownSignal,
    requestHeader: call.requestHeader,
    contextValues: createContextValues(),
  });
}

/** Reason given to the context's signal when its call has ended normally (one shared object: no allocation per call). */
const callEnded = Object.freeze(new Error("call ended"));

/**
 * Ends a call's context: stops its deadline timer and releases its signal
 * listeners. Without this every call leaves a timer that fires (and aborts
 * the signal with a DEADLINE_EXCEEDED error) long after the call is over —
 * measured as a visible share of the internal face's CPU under load.
 */
export function endCallContext(context: HandlerContext): void {
  (context as HandlerContext & { abort?: (reason?: unknown) => void }).abort?.(callEnded);
}
