import type { ServiceRegistration } from "./server/registration.js";
import type { MeshServerOptions } from "./server/mesh-server.js";
import { createMeshRuntime, type MeshRuntime, type RuntimeServerOptions } from "./mesh-runtime.js";

/** What a service's main.ts declares. */
export interface RunServiceOptions {
  readonly name: string;
  /** Handlers, given the runtime so they can build clients of other services. */
  readonly services: (runtime: MeshRuntime) => readonly ServiceRegistration[] | Promise<readonly ServiceRegistration[]>;
  readonly edge?: RuntimeServerOptions["edge"];
  /** Verifies end-user tokens (see createIdentityTokenVerifier); without it, calls carrying one are refused. */
  readonly tokenVerifier?: RuntimeServerOptions["tokenVerifier"] | ((runtime: MeshRuntime) => RuntimeServerOptions["tokenVerifier"]);
  readonly tokenRefusal?: RuntimeServerOptions["tokenRefusal"];
  /**
   * Service-specific interceptors, after the mesh's own. A function is called
   * after `services`, so interceptors can use what `services` opened (Redis, clients).
   */
  readonly interceptors?: RuntimeServerOptions["interceptors"] | ((runtime: MeshRuntime) => RuntimeServerOptions["interceptors"]);
  /** Interceptors that see every call first, before the token check and validation (see MeshServerOptions); may be a function like `interceptors`. */
  readonly firstInterceptors?: RuntimeServerOptions["firstInterceptors"] | ((runtime: MeshRuntime) => RuntimeServerOptions["firstInterceptors"]);
  readonly limits?: RuntimeServerOptions["limits"];
  readonly onShutdown?: MeshServerOptions["onShutdown"];
}

/**
 * The whole of a service's main.ts: builds the runtime from the environment,
 * serves the handlers, and on SIGTERM/SIGINT shuts down gracefully and exits.
 */
export async function runService(options: RunServiceOptions): Promise<MeshRuntime> {
  const runtime = createMeshRuntime(options.name);
  const tokenVerifier = typeof options.tokenVerifier === "function" ? options.tokenVerifier(runtime) : options.tokenVerifier;
  const services = await options.services(runtime);
  const server = runtime.createServer({
    services,
    edge: options.edge,
    tokenVerifier,
    tokenRefusal: options.tokenRefusal,
    interceptors: typeof options.interceptors === "function" ? options.interceptors(runtime) : options.interceptors,
    firstInterceptors: typeof options.firstInterceptors === "function" ? options.firstInterceptors(runtime) : options.firstInterceptors,
    limits: options.limits,
    onShutdown: options.onShutdown,
  });
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
