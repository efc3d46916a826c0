import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { DescService } from "@bufbuild/protobuf";
import { cors as connectCors, createConnectRouter, createContextValues, type Code, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { compressionBrotli, compressionGzip, universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import { toCallerError } from "../error-info.js";
import { createCallContext, endCallContext, type DeadlineLimits } from "./call-context.js";
import type { MeshCall, MeshNext } from "./mesh-call.js";
import type { MethodEntry } from "./registration.js";
import { observeProtocolErrors, reachedChainKey } from "./edge-protocol-errors.js";
import { abortableRequests } from "./request-stream.js";

/** Settings of the edge (connect-node) face. */
export interface EdgeFaceOptions {
  readonly host: string;
  readonly port: number;
  /** Origins allowed by CORS, e.g. ["http://localhost:5173"]; "*" allows any. Default: none. */
  readonly allowedOrigins: readonly string[];
  readonly limits: DeadlineLimits & { readonly maxMessageBytes: number };
  readonly shutdownSignal: AbortSignal;
  /**
   * Told of each call connect-node refused before the mesh chain ran (a body
   * that does not parse, an oversize message, a bad header), with the code
   * the client got, so it is logged and counted like any other call.
   */
  readonly observeRefusal: (path: string, code: Code, rawMessage: string, seconds: number) => void;
}

/**
 * The edge face: Connect, gRPC-Web and gRPC, on two cleartext listeners that
 * serve the same routes — HTTP/2 (h2c, for gRPC and native clients) and
 * HTTP/1.1 (browsers talk HTTP/1.1 to a cleartext origin). One port for both
 * would need sniffing the connection preface, and Node's HTTP/2 server reads
 * the socket's native handle directly, so bytes peeked in JavaScript are lost
 * (measured: PROTOCOL_ERROR on every h2c connection). TLS with ALPN at the
 * edge is the ingress gateway's job.
 */
export function createEdgeFace(
  entries: readonly MethodEntry[],
  run: (entry: MethodEntry) => MeshNext,
  options: EdgeFaceOptions,
): EdgeFace {
  const services = new Map<DescService, MethodEntry[]>();
  for (const entry of entries) services.set(entry.service, [...(services.get(entry.service) ?? []), entry]);
  const routes = (router: ConnectRouter) => {
    for (const [service, list] of services) {
      const impl: Record<string, unknown> = {};
      for (const entry of list) impl[entry.method.localName] = edgeHandler(entry, run(entry), options);
      router.service(service, impl as never);
    }
  };
  const router = createConnectRouter({
    readMaxBytes: options.limits.maxMessageBytes,
    writeMaxBytes: options.limits.maxMessageBytes,
    // connect-node would refuse longer deadlines (and 0 means "none allowed");
    // createCallContext shortens them to the maximum instead, the same on both faces.
    maxTimeoutMs: 2 ** 31 - 1,
    shutdownSignal: options.shutdownSignal,
    acceptCompression: [compressionGzip, compressionBrotli],
  });
  routes(router);
  // What connectNodeAdapter does, with every handler wrapped so calls connect-node refuses by itself are seen too.
  const handlers = new Map<string, UniversalHandler>();
  for (const handler of router.handlers) {
    const path = `/${handler.service.typeName}/${handler.method.name}`;
    handlers.set(handler.requestPath, observeProtocolErrors(handler, (code, rawMessage, seconds) => options.observeRefusal(path, code, rawMessage, seconds)));
  }
  const adapter: NodeHandler = (req, res) => {
    const handler = handlers.get(req.url?.split("?", 2)[0] ?? "");
    if (handler === undefined) {
      // Both response types have these methods; the union's overloads just do not unify.
      (res as http.ServerResponse).writeHead(404).end();
      return;
    }
    handler(universalRequestFromNodeRequest(req, res, undefined, createContextValues()))
      .then((response) => universalResponseToNodeResponse(response, res))
      // The client went away mid-answer: nothing left to tell it.
      .catch(() => res.destroy());
  };
  const handle = withCors(adapter, options.allowedOrigins);
  const http1 = http.createServer(handle);
  const http2Server = http2.createServer({}, handle);
  // Nagle's algorithm would hold a response's trailing frames back until the client's delayed ACK.
  http2Server.on("connection", (socket: net.Socket) => socket.setNoDelay(true));
  http1.on("connection", (socket: net.Socket) => socket.setNoDelay(true));
  const sessions = new Set<http2.ServerHttp2Session>();
  http2Server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  // Past the grace period, connections still open are cut: a client that keeps a stream
  // open after its answer (still sending into a call that has ended) must not hold the shutdown.
  options.shutdownSignal.addEventListener(
    "abort",
    () => {
      for (const session of sessions) session.destroy();
      http1.closeAllConnections();
    },
    { once: true },
  );
  return {
    http2: http2Server,
    http1,
    close: () =>
      Promise.all([
        new Promise<void>((resolve) => (http2Server.listening ? http2Server.close(() => resolve()) : resolve())),
        new Promise<void>((resolve) => (http1.listening ? http1.close(() => resolve()) : resolve())),
        // Idle keep-alive connections would hold close() open; busy ones finish their requests first.
        Promise.resolve(http1.closeIdleConnections()),
        // GOAWAY: no new streams, open ones complete.
        Promise.resolve(sessions.forEach((session) => session.close())),
      ]).then(() => undefined),
  };
}

/** The edge face's listeners and its graceful close. */
export interface EdgeFace {
  readonly http2: net.Server;
  readonly http1: net.Server;
  /** Stops accepting connections and lets open requests and streams finish. */
  close(): Promise<void>;
}

/**
 * The connect-node handler of one method. connect-node hands it one request
 * message (unary, server streaming) or an iterable of them (client, bidi
 * streaming) and applies the message-size limits to each message.
 */
function edgeHandler(entry: MethodEntry, next: MeshNext, options: EdgeFaceOptions): unknown {
  const readsStream = entry.method.methodKind === "client_streaming" || entry.method.methodKind === "bidi_streaming";
  const start = async (input: never, ctx: HandlerContext) => {
    const reached = ctx.values.get(reachedChainKey);
    if (reached !== undefined) reached.reached = true;
    const context = createCallContext(
      {
        service: entry.service,
        method: entry.method,
        protocolName: ctx.protocolName,
        url: ctx.url,
        requestHeader: ctx.requestHeader,
        clientTimeoutMs: ctx.timeoutMs(),
        requestSignal: ctx.signal,
        shutdownSignal: options.shutdownSignal,
      },
      options.limits,
    );
    // One object shape for every kind (the absent one of request/requests is undefined).
    const call = {
      face: "edge",
      service: entry.service,
      method: entry.method,
      path: entry.path,
      request: readsStream ? undefined : input,
      requests: readsStream ? abortableRequests(input, context.signal) : undefined,
      context,
      caller: undefined,
      callerError: undefined,
      principal: undefined,
      traceId: undefined,
    } as MeshCall;
    return { call, result: await next(call) };
  };
  const copyHeaders = (from: HandlerContext, to: HandlerContext) => {
    from.responseHeader.forEach((value, key) => to.responseHeader.set(key, value));
    from.responseTrailer.forEach((value, key) => to.responseTrailer.set(key, value));
  };
  if (entry.method.methodKind === "server_streaming" || entry.method.methodKind === "bidi_streaming") {
    return async function* (input: never, ctx: HandlerContext) {
      let context: HandlerContext | undefined;
      try {
        const { call, result } = await start(input, ctx);
        context = call.context;
        copyHeaders(call.context, ctx);
        if (result.kind !== "stream") throw new Error(`${entry.path} returned one message from a streaming method`);
        yield* result.messages;
        copyHeaders(call.context, ctx);
      } catch (error) {
        throw toCallerError(error);
      } finally {
        if (context !== undefined) endCallContext(context);
      }
    };
  }
  return async (input: never, ctx: HandlerContext) => {
    let context: HandlerContext | undefined;
    try {
      const { call, result } = await start(input, ctx);
      context = call.context;
      if (result.kind !== "unary") throw new Error(`${entry.path} returned a stream from a unary method`);
      copyHeaders(call.context, ctx);
      return result.message;
    } catch (error) {
      throw toCallerError(error);
    } finally {
      if (context !== undefined) endCallContext(context);
    }
  };
}

/**
 * Request header carrying the address the edge face saw the client connect
 * from. The face sets it on every request (replacing anything a client sent),
 * so handlers of the edge face may trust it; services behind the gateway
 * trust it only from the gateway's workload identity.
 */
export const clientAddressHeader = "x-chaos-client-address";

/** Request header carrying the user-agent the client sent to the edge face; trusted like clientAddressHeader. */
export const clientUserAgentHeader = "x-chaos-client-user-agent";

type NodeHandler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void;

/**
 * CORS for browser clients (Connect and gRPC-Web), with the header lists
 * connect-es publishes for exactly this purpose. Preflights are answered here.
 */
function withCors(handler: NodeHandler, allowedOrigins: readonly string[]): NodeHandler {
  const allowAny = allowedOrigins.includes("*");
  return (req, response) => {
    // The caller's address, as this face saw it; whatever a client sent under this name is overwritten.
    req.headers[clientAddressHeader] = req.socket.remoteAddress ?? "";
    // gRPC clients replace user-agent on every hop, so the client's own travels under a name of ours.
    req.headers[clientUserAgentHeader] = req.headers["user-agent"] ?? "";
    // Both response types have these methods; the union's overloads just do not unify.
    const res = response as http.ServerResponse;
    const origin = req.headers.origin;
    if (typeof origin === "string" && (allowAny || allowedOrigins.includes(origin))) {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("vary", "Origin");
      res.setHeader("access-control-expose-headers", connectCors.exposedHeaders.join(", "));
      if (req.method === "OPTIONS") {
        res.setHeader("access-control-allow-methods", connectCors.allowedMethods.join(", "));
        res.setHeader("access-control-allow-headers", [...connectCors.allowedHeaders, "authorization"].join(", "));
        res.setHeader("access-control-max-age", "7200");
        res.writeHead(204);
        res.end();
        return;
      }
    }
    handler(req, response);
  };
}
