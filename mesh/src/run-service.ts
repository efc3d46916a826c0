import type { ServiceRegistration } from "./server/registration.js";
import type { MeshServerOptions } from "./server/mesh-server.js";
import { createMeshRuntime, type MeshRuntime, type RuntimeServerOptions } from "./mesh-runtime.js";

/** What a service's main.ts declares. */
export interface RunServiceOptions {
  readonly name: string;
  /** Handlers, given the runtime so they can build clients of other services. */
  readonly services: (runtime: MeshRuntime) => readonly ServiceRegistration[] | Promise<readonly ServiceRegistration[]>;
  readonly edge?: RuntimeServerOptions["edge"];
  readonly onShutdown?: MeshServerOptions["onShutdown"];
}

/**
 * The whole of a service's main.ts: builds the runtime from the environment,
 * serves the handlers, and on SIGTERM/SIGINT shuts down gracefully and exits.
 */
export async function runService(options: RunServiceOptions): Promise<MeshRuntime> {
  const runtime = createMeshRuntime(options.name);
  const server = runtime.createServer({ services: await options.services(runtime), edge: options.edge, onShutdown: options.onShutdown });
  const addresses = await server.start();
  const stop = () => {
    server
      .shutdown()
      .then(() => runtime.close())
      .then(
      () => {
        process.exit(0);
      },
      (error: unknown) => {
        runtime.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  // One machine-readable line for parents that started us on port 0 (tests, npm start).
  process.stdout.write(`${JSON.stringify({ ready: options.name, ...addresses })}\n`);
  return runtime;
}
