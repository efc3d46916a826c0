import type { EventEmitter } from "node:events";
import type { Message } from "@bufbuild/protobuf";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import * as grpc from "@grpc/grpc-js";
import { callerFromXfcc, type SpiffeId } from "../identity/index.js";
import { PeerIdentityCache } from "./peer-identity-cache.js";
import { toCallerError } from "../error-info.js";
import { createCallContext, endCallContext, type DeadlineLimits } from "./call-context.js";
import type { MeshCall, MeshNext } from "./mesh-call.js";
import { headersFromMetadata, metadataFromHeaders } from "./metadata.js";
import type { MethodEntry } from "./registration.js";
import { abortableRequests } from "./request-stream.js";

/** How the internal face learns who is calling. */
export type InternalTransportSecurity =
  /** The service terminates mTLS itself with its X.509-SVID (local and proxyless). */
  | { readonly mode: "native"; readonly credentials: grpc.ServerCredentials; readonly ready?: Promise<void> }
  /**
   * Istio: plaintext on localhost behind Envoy, caller identity from the
   * x-forwarded-client-cert header Envoy sets. Only trustworthy because the
   * port is bound to loopback where only the sidecar reaches it.
   */
  | { readonly mode: "sidecar" };

/** Settings of the internal (grpc-js) face. */
export interface InternalFaceOptions {
  readonly host: string;
  readonly port: number;
  readonly security: InternalTransportSecurity;
  readonly trustDomain: string;
  readonly limits: DeadlineLimits & { readonly maxMessageBytes: number };
  readonly shutdownSignal: AbortSignal;
}

/**
 * Adds every method to a grpc-js server. Each call becomes a MeshCall with a
 * HandlerContext and runs the same chain as on the edge face. Calls that
 * answer with one message (unary, client streaming) answer through grpc-js's
 * callback, the others write a stream; calls that read a stream (client,
 * bidi streaming) hand the handler grpc-js's readable side. grpc-js applies
 * the message-size limits to each message of a stream.
 */
export function mountInternalFace(
  server: grpc.Server,
  entries: readonly MethodEntry[],
  run: (entry: MethodEntry) => MeshNext,
  faceOptions: InternalFaceOptions,
): void {
  const options: FaceState = { ...faceOptions, peers: new PeerIdentityCache(faceOptions.trustDomain) };
  const byService = new Map<string, MethodEntry[]>();
  for (const entry of entries) {
    const list = byService.get(entry.service.typeName) ?? [];
    list.push(entry);
    byService.set(entry.service.typeName, list);
  }
  for (const list of byService.values()) {
    const definition: Record<string, grpc.MethodDefinition<Message, Message>> = {};
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const entry of list) {
      const { method } = entry;
      const requestStream = method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming";
      const responseStream = method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming";
      definition[method.localName] = {
        path: entry.path,
        requestStream,
        responseStream,
        originalName: method.name,
        requestSerialize: (message: Message) => Buffer.from(toBinary(method.input, message)),
        requestDeserialize: (bytes: Buffer) => fromBinary(method.input, bytes),
        responseSerialize: (message: Message) => Buffer.from(toBinary(method.output, message)),
        responseDeserialize: (bytes: Buffer) => fromBinary(method.output, bytes),
      };
      const next = run(entry);
      handlers[method.localName] = responseStream
        ? (call: grpc.ServerWritableStream<Message, Message> | grpc.ServerDuplexStream<Message, Message>) =>
            void serveStream(entry, next, call, options)
        : (call: grpc.ServerUnaryCall<Message, Message> | grpc.ServerReadableStream<Message, Message>, callback: grpc.sendUnaryData<Message>) =>
            void serveUnary(entry, next, call, callback, options);
    }
    server.addService(definition, handlers);
  }
}

/** Face options plus per-server state. */
interface FaceState extends InternalFaceOptions {
  readonly peers: PeerIdentityCache;
}

type ServerCall =
  | grpc.ServerUnaryCall<Message, Message>
  | grpc.ServerWritableStream<Message, Message>
  | grpc.ServerReadableStream<Message, Message>
  | grpc.ServerDuplexStream<Message, Message>;

/** Wires client cancellation to a signal and builds the MeshCall the chain runs on. */
function begin(entry: MethodEntry, call: ServerCall, options: FaceState): { aborter: AbortController; meshCall: MeshCall } {
  const aborter = new AbortController();
  // Every kind of grpc-js server call emits "cancelled"; their typings just do not unify.
  (call as EventEmitter).once("cancelled", () => aborter.abort(new ConnectError("cancelled by the client", Code.Canceled)));
  return { aborter, meshCall: toMeshCall(entry, call, aborter.signal, options) };
}

/** Unary and client-streaming calls: one answer, through grpc-js's callback. */
async function serveUnary(
  entry: MethodEntry,
  next: MeshNext,
  call: grpc.ServerUnaryCall<Message, Message> | grpc.ServerReadableStream<Message, Message>,
  callback: grpc.sendUnaryData<Message>,
  options: FaceState,
): Promise<void> {
  const { meshCall } = begin(entry, call, options);
  try {
    const result = await next(meshCall);
    if (result.kind !== "unary") throw new Error(`${entry.path} returned a stream from a unary method`);
    sendHeader(call, meshCall);
    callback(null, result.message, metadataFromHeaders(meshCall.context.responseTrailer));
  } catch (error) {
    callback(serviceError(error, meshCall.context.responseTrailer));
  } finally {
    endCallContext(meshCall.context);
  }
}

/** Server- and bidi-streaming calls: a stream of answers, written with backpressure. */
async function serveStream(
  entry: MethodEntry,
  next: MeshNext,
  call: grpc.ServerWritableStream<Message, Message> | grpc.ServerDuplexStream<Message, Message>,
  options: FaceState,
): Promise<void> {
  const { aborter, meshCall } = begin(entry, call, options);
  try {
    const result = await next(meshCall);
    if (result.kind !== "stream") throw new Error(`${entry.path} returned one message from a streaming method`);
    sendHeader(call, meshCall);
    for await (const message of result.messages) {
      if (aborter.signal.aborted) return;
      // Respect backpressure: a slow reader must not make us buffer the whole stream.
      if (!call.write(message)) await new Promise((resolve) => call.once("drain", resolve));
    }
    call.end(metadataFromHeaders(meshCall.context.responseTrailer));
  } catch (error) {
    if (aborter.signal.aborted && call.cancelled) return;
    call.emit("error", serviceError(error, meshCall.context.responseTrailer));
  } finally {
    endCallContext(meshCall.context);
  }
}

function toMeshCall(entry: MethodEntry, call: ServerCall, requestSignal: AbortSignal, options: FaceState): MeshCall {
  const requestHeader = headersFromMetadata(call.metadata);
  const deadline = call.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
  const clientTimeoutMs = Number.isFinite(deadlineMs) ? Math.max(0, deadlineMs - Date.now()) : undefined;
  const context = createCallContext(
    {
      service: entry.service,
      method: entry.method,
      protocolName: "grpc",
      url: `grpc://${options.host}:${options.port}${entry.path}`,
      requestHeader,
      clientTimeoutMs,
      requestSignal,
      shutdownSignal: options.shutdownSignal,
    },
    options.limits,
  );
  let caller: SpiffeId | undefined;
  let callerError: string | undefined;
  try {
    caller = identify(call, requestHeader, options);
  } catch (error) {
    callerError = (error as Error).message;
  }
  // In native mode the header is meaningless and must not reach handlers as if it were.
  if (options.security.mode === "native") context.requestHeader.delete("x-forwarded-client-cert");
  // grpc-js hands a single-request call its message, and a streaming-request call a readable of them.
  const readsStream = entry.method.methodKind === "client_streaming" || entry.method.methodKind === "bidi_streaming";
  // One object shape for every kind (the absent one of request/requests is undefined).
  return {
    face: "internal",
    service: entry.service,
    method: entry.method,
    path: entry.path,
    request: readsStream ? undefined : (call as grpc.ServerUnaryCall<Message, Message>).request,
    // A handler that stops reading early must not destroy the stream: its answer and status still go out on it.
    requests: readsStream
      ? abortableRequests((call as grpc.ServerReadableStream<Message, Message>).iterator({ destroyOnReturn: false }), context.signal)
      : undefined,
    context,
    caller,
    callerError,
    principal: undefined,
    traceId: undefined,
  } as MeshCall;
}

function identify(
  call: ServerCall,
  headers: Headers,
  options: FaceState,
): SpiffeId {
  if (options.security.mode === "sidecar") {
    const xfcc = headers.get("x-forwarded-client-cert");
    if (xfcc === null) throw new Error("no x-forwarded-client-cert header from the sidecar");
    return callerFromXfcc(xfcc, options.trustDomain);
  }
  return options.peers.identifyCall(call);
}

function sendHeader(call: ServerCall, meshCall: MeshCall): void {
  let any = false;
  meshCall.context.responseHeader.forEach(() => (any = true));
  if (any) call.sendMetadata(metadataFromHeaders(meshCall.context.responseHeader));
}

/**
 * An error as grpc-js sends it: code, message, and the trailers
 * Connect's gRPC protocol would write (grpc-status-details-bin with the
 * ErrorInfo and other details), so both faces put the same bytes on the wire.
 */
function serviceError(error: unknown, handlerTrailer: Headers | undefined): Partial<grpc.StatusObject> {
  const connectError = toCallerError(error);
  // Trailers the handler set (e.g. grpc-retry-pushback-ms) travel with the error too.
  const trailer = new Headers(handlerTrailer);
  connectError.metadata.forEach((value, key) => trailer.set(key, value));
  setTrailerStatus(trailer, connectError);
  const metadata = metadataFromHeaders(trailer);
  return { code: connectError.code as number as grpc.status, details: connectError.rawMessage, metadata };
}
