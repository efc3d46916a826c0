import crypto from "node:crypto";

/** A parsed W3C trace context (https://www.w3.org/TR/trace-context/). */
export interface TraceContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
}

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Parses a `traceparent` header; undefined when absent or invalid (all-zero ids are invalid). */
export function parseTraceparent(header: string | null | undefined): TraceContext | undefined {
  const match = traceparentPattern.exec(header?.trim().toLowerCase() ?? "");
  if (match === null) return undefined;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/** A child span of `parent`, or a new trace when there is none. */
export function childSpan(parent: TraceContext | undefined): TraceContext {
  return {
    traceId: parent?.traceId ?? crypto.randomBytes(16).toString("hex"),
    spanId: crypto.randomBytes(8).toString("hex"),
    sampled: parent?.sampled ?? true,
  };
}

/** Formats a `traceparent` header. */
export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? "01" : "00"}`;
}
