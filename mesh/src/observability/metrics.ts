import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The Prometheus metrics of one mesh process, served at /metrics. */
export interface MeshMetrics {
  readonly registry: Registry;
  /** Calls served, by face, method and gRPC code name. */
  readonly serverCalls: Counter<"face" | "method" | "code">;
  /** Handling time of served unary calls in seconds (the latency objectives are about these). */
  readonly serverLatency: Histogram<"face" | "method">;
  /** How long calls of streaming methods took (a stream: until it ended), in seconds: minutes for a feed, so kept apart from call latency. */
  readonly serverStreamDuration: Histogram<"face" | "method">;
  /** Calls being served right now. */
  readonly serverInFlight: Gauge<"face" | "method">;
  /** Attempts of outgoing calls that reached the wire (each retry counts), by target, method and code name. */
  readonly clientCalls: Counter<"target" | "method" | "code">;
  /** Duration of one attempt of an outgoing call (a stream: until it ends), in seconds. */
  readonly clientLatency: Histogram<"target" | "method">;
  /** Retry attempts made (not counting first attempts). */
  readonly clientRetries: Counter<"target" | "method">;
  /** Breaker state per (target, method): 0 closed, 1 half-open, 2 open. */
  readonly breakerState: Gauge<"target" | "method">;
}

// Latency buckets from 0.25 ms to 10 s: internal hops are sub-millisecond, edge calls are not.
const buckets = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Creates the metrics in a registry of their own (one per process, or per server in tests). */
export function createMeshMetrics(service: string): MeshMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // The event-loop delay is sampled every 100 ms, not prom-client's 10: its timer was the last thing waking an
  // idle service (100 times a second, every process); a stall long enough to matter still shows in the percentiles.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  return {
    registry,
    serverCalls: new Counter({ name: "chaos_server_calls_total", help: "Calls served, by face, method and gRPC code.", labelNames: ["face", "method", "code"], registers: [registry] }),
    serverLatency: new Histogram({ name: "chaos_server_call_duration_seconds", help: "Time to handle a unary call.", labelNames: ["face", "method"], buckets, registers: [registry] }),
    serverStreamDuration: new Histogram({
      name: "chaos_server_stream_duration_seconds",
      help: "How long a served stream stayed open.",
      labelNames: ["face", "method"],
      buckets: [0.1, 1, 10, 60, 300, 900, 3600],
      registers: [registry],
    }),
    serverInFlight: new Gauge({ name: "chaos_server_calls_in_flight", help: "Calls being handled now.", labelNames: ["face", "method"], registers: [registry] }),
    clientCalls: new Counter({ name: "chaos_client_calls_total", help: "Attempts of outgoing calls (each retry counts), by target, method and gRPC code.", labelNames: ["target", "method", "code"], registers: [registry] }),
    clientLatency: new Histogram({ name: "chaos_client_call_duration_seconds", help: "Duration of one attempt of an outgoing call.", labelNames: ["target", "method"], buckets, registers: [registry] }),
    clientRetries: new Counter({ name: "chaos_client_retries_total", help: "Retry attempts of outgoing calls.", labelNames: ["target", "method"], registers: [registry] }),
    breakerState: new Gauge({ name: "chaos_circuit_breaker_state", help: "Circuit breaker state: 0 closed, 1 half-open, 2 open.", labelNames: ["target", "method"], registers: [registry] }),
  };
}
