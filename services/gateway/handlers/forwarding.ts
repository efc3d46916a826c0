import type { Message } from "@bufbuild/protobuf";
import type { CallOptions, HandlerContext } from "@connectrpc/connect";
import { registration, type MeshRuntime, type ServiceRegistration } from "@chaos/mesh/server";
import { fromUpstream, upstreamUnavailable } from "./gateway-errors.js";
import type { Route } from "./routes.js";

type UnaryCall = (request: Message, options: CallOptions) => Promise<Message>;
type UnaryHandler = (request: Message, context: HandlerContext) => Promise<Message>;
type StreamCall = (request: Message, options: CallOptions) => AsyncIterable<Message>;
type StreamHandler = (request: Message, context: HandlerContext) => AsyncIterable<Message>;

/** Options of {@link createForwardingHandlers}. */
export interface ForwardingOptions {
  /** Longest a forwarded unary call may take; a client's shorter deadline wins. */
  readonly upstreamDeadlineMs: number;
  /**
   * Called when a forwarded server stream opens, with the caller's context
   * and request; the function it returns is called once when the stream
   * ends, however it ends (the gateway's presence sessions). Default none.
   */
  readonly onStreamOpen?: (context: HandlerContext, request: Message) => () => void;
}

/**
 * Handlers for every method of a routed service, each passing the request
 * unchanged to the owner over the mesh. The mesh client forwards the
 * verified access token (x-chaos-principal), the remaining deadline,
 * cancellation and the trace on its own; only the route's edge headers are
 * added here. Server streams are relayed message by message: a client that
 * goes away cancels the upstream stream (the handler's signal aborts the
 * mesh call), and they run as long as the client's deadline (the edge's
 * default is the gateway's longest), not the unary upstream deadline. The
 * mesh client does not retry them: it retries a stream only before its
 * first answer and only when its method is marked free of side effects or
 * the call carries an idempotency-key header, and the relayed calls carry
 * none (it is not among a route's forwarded headers).
 */
export function createForwardingHandlers(route: Route, runtime: Pick<MeshRuntime, "client" | "logger">, options: ForwardingOptions): ServiceRegistration {
  let client: Record<string, UnaryCall | StreamCall> | undefined;
  // Made on first use: a deployment (or a test world) without one of the owners still serves the others.
  const owner = () => {
    try {
      return (client ??= runtime.client(route.service, route.owner) as unknown as Record<string, UnaryCall | StreamCall>);
    } catch (error) {
      runtime.logger.error({ err: error, owner: route.owner }, "cannot reach the owner of a routed service");
      throw upstreamUnavailable(route.owner);
    }
  };
  const impl: Record<string, UnaryHandler | StreamHandler> = {};
  for (const method of route.service.methods) {
    if (method.methodKind === "server_streaming") {
      impl[method.localName] = async function* (request: Message, context: HandlerContext) {
        const call = owner()[method.localName] as unknown as StreamCall;
        const ended = options.onStreamOpen?.(context, request);
        try {
          yield* call(request, { headers: pick(context.requestHeader, route.forwardHeaders), timeoutMs: context.timeoutMs(), signal: context.signal });
        } catch (error) {
          throw fromUpstream(route.owner, error);
        } finally {
          ended?.();
        }
      };
      continue;
    }
    // Client and bidi streams need a decision of their own (request streams are not relayed yet).
    if (method.methodKind !== "unary") throw new Error(`/${route.service.typeName}/${method.name}: only unary and server-streaming methods can be routed`);
    impl[method.localName] = async (request, context) => {
      const call = owner()[method.localName] as UnaryCall;
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
