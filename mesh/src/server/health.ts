import { Code, ConnectError } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "@chaos/gen/grpc/health/v1/health_pb.js";
import { registration, type ServiceRegistration } from "./registration.js";

/**
 * grpc.health.v1.Health (Check and Watch), as grpc-node's own implementation
 * answers: "" stands for the whole server, an unknown service name is
 * NOT_FOUND on Check and SERVICE_UNKNOWN on Watch. Everything turns
 * NOT_SERVING the moment shutdown begins, so load balancers and probes drain
 * this instance before it stops answering. Served on both faces through the
 * mesh chain (on the internal face behind the workload-identity check).
 */
export class ServingHealth {
  private readonly known: ReadonlySet<string>;
  private readonly stopping = new AbortController();

  constructor(serviceNames: readonly string[]) {
    this.known = new Set(["", ...serviceNames]);
  }

  /** True until shutdown starts. */
  get isServing(): boolean {
    return !this.stopping.signal.aborted;
  }

  /** Marks the whole server and every service NOT_SERVING (watchers are told at once). */
  markNotServing(): void {
    this.stopping.abort();
  }

  /**
   * The Health service's handlers. Watch reports the status, then NOT_SERVING when shutdown begins,
   * and ends there so an open watch does not hold shutdown for its grace
   * period; a watch of an unknown service reports SERVICE_UNKNOWN and stays
   * open (the spec's behaviour) until the client leaves or its deadline ends.
   */
  registration(): ServiceRegistration {
    const known = this.known;
    const stopping = this.stopping.signal;
    const statusOf = (service: string) =>
      !known.has(service) ? ServingStatus.SERVICE_UNKNOWN : stopping.aborted ? ServingStatus.NOT_SERVING : ServingStatus.SERVING;
    return registration(Health, {
      check({ service }) {
        if (!known.has(service)) throw new ConnectError(`health status unknown for service ${service}`, Code.NotFound);
        return { status: statusOf(service) };
      },
      async *watch({ service }, context) {
        yield { status: statusOf(service) };
        if (stopping.aborted) return;
        const ended = AbortSignal.any([context.signal, stopping]);
        if (!ended.aborted) await new Promise((resolve) => ended.addEventListener("abort", resolve, { once: true }));
        if (known.has(service) && stopping.aborted) yield { status: ServingStatus.NOT_SERVING };
      },
    });
  }
}
