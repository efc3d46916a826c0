import type { Message } from "@bufbuild/protobuf";
import type { CallOptions, HandlerContext } from "@connectrpc/connect";
import { registration, type MeshRuntime, type ServiceRegistration } from "@chaos/mesh/server";
import { fromUpstream, upstreamUnavailable } from "./gateway-errors.js";
import type { Route } from "./routes.js";

type UnaryCall = (request: Message, options: CallOptions) => Promise<Message>;
type UnaryHandler = (request: Message, context: HandlerContext) => Promise<Message>;

/** Options of {@link createForwardingHandlers}. */
export interface ForwardingOptions {
  /** Longest a forwarded call may take; a client's shorter deadline wins. */
  readonly upstreamDeadlineMs: number;
}

/**
 * Handlers for every method of a routed service, each passing the request
 * unchanged to the owner over the mesh. The mesh client forwards the
 * verified access token (x-chaos-principal), the remaining deadline,
 * cancellation and the trace on its own; only the route's edge headers are
 * added here.
 */
export function createForwardingHandlers(route: Route, runtime: Pick<MeshRuntime, "client" | "logger">, options: ForwardingOptions): ServiceRegistration {
  let client: Record<string, UnaryCall> | undefined;
  // Made on first use: a deployment (or a test world) without one of the owners still serves the others.
  const owner = () => {
    try {
      return (client ??= runtime.client(route.service, route.owner) as unknown as Record<string, UnaryCall>);
    } catch (error) {
      runtime.logger.error({ err: error, owner: route.owner }, "cannot reach the owner of a routed service");
      throw upstreamUnavailable(route.owner);
    }
  };
  const impl: Record<string, UnaryHandler> = {};
  for (const method of route.service.methods) {
    // The public contracts have no streaming methods; a new one needs a decision (the mesh client never retries streams).
    if (method.methodKind !== "unary") throw new Error(`/${route.service.typeName}/${method.name}: only unary methods can be routed`);
    impl[method.localName] = async (request, context) => {
      const call = owner()[method.localName]!;
      try {
        return await call(request, {
          headers: pick(context.requestHeader, route.forwardHeaders),
          timeoutMs: Math.min(context.timeoutMs() ?? Infinity, options.upstreamDeadlineMs),
        });
      } catch (error) {
        throw fromUpstream(route.owner, error);
      }
    };
  }
  return registration(route.service, impl as never);
}

function pick(headers: Headers, names: readonly string[]): Headers {
  const picked = new Headers();
  for (const name of names) {
    const value = headers.get(name);
    if (value !== null) picked.set(name, value);
  }
  return picked;
}
