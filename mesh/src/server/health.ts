import { HealthImplementation } from "grpc-health-check";
import type * as grpc from "@grpc/grpc-js";

/**
 * grpc.health.v1.Health (Check and Watch) from grpc-node's own
 * implementation: "" stands for the whole server, an unknown service name is
 * NOT_FOUND on Check and SERVICE_UNKNOWN on Watch. Everything turns
 * NOT_SERVING the moment shutdown begins, so load balancers and probes drain
 * this instance before it stops answering.
 */
export class ServingHealth {
  private readonly implementation: HealthImplementation;
  private serving = true;

  constructor(private readonly serviceNames: readonly string[]) {
    this.implementation = new HealthImplementation(
      Object.fromEntries(["", ...serviceNames].map((name) => [name, "SERVING" as const])),
    );
  }

  /** Mounts the Health service on a grpc-js server. */
  addToServer(server: grpc.Server): void {
    this.implementation.addToServer(server);
  }

  /** True until shutdown starts. */
  get isServing(): boolean {
    return this.serving;
  }

  /** Marks the whole server and every service NOT_SERVING (watchers are told at once). */
  markNotServing(): void {
    this.serving = false;
    for (const name of ["", ...this.serviceNames]) this.implementation.setStatus(name, "NOT_SERVING");
  }
}
