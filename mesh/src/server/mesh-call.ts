import type { DescMethod, DescService, Message } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { Principal } from "../principal/index.js";
import type { SpiffeId } from "../identity/index.js";

/** Which face a call arrived on. */
export type Face = "internal" | "edge";

/**
 * One incoming call, as every interceptor sees it on both faces. `context` is
 * Connect's HandlerContext (headers, signal, deadline, values), built by
 * connect-node on the edge face and by the mesh on the internal face, so
 * handlers get the same thing whichever face carried the call.
 *
 * A call carries one request message (unary, server streaming: `request`) or
 * a stream of them (client, bidi streaming: `requests`). The chain runs once
 * per call, when it starts, before any message of a request stream has been
 * read; an interceptor that must see every message of a stream replaces
 * `requests` with a wrapper (validation does), so the handler reads through it.
 */
export type MeshCall = MeshSingleRequestCall | MeshStreamRequestCall;

/** A unary or server-streaming call: one request message. */
export interface MeshSingleRequestCall extends MeshCallCommon {
  readonly request: Message;
  readonly requests?: undefined;
}

/** A client- or bidi-streaming call: the request messages as the handler will read them. */
export interface MeshStreamRequestCall extends MeshCallCommon {
  readonly request?: undefined;
  /** Ends with the call's error when it is cancelled or its deadline passes while the handler waits for a message. */
  requests: AsyncIterable<Message>;
}

/** What every call has, whatever its kind. */
export interface MeshCallCommon {
  readonly face: Face;
  readonly service: DescService;
  readonly method: DescMethod;
  /** "/package.Service/Method" */
  readonly path: string;
  readonly context: HandlerContext;
  /** Calling workload, established by the face (mTLS SVID or sidecar XFCC); undefined at the edge. */
  caller: SpiffeId | undefined;
  /** Why the face could not establish the caller (no/invalid SVID, bad XFCC); enforced by authorization. */
  callerError: string | undefined;
  /** Verified end user, set by the principal interceptor. */
  principal: Principal | undefined;
  /** W3C trace id of the call, set by the tracing interceptor. */
  traceId: string | undefined;
}

/** The outcome of a handler: one message (unary, client streaming), or a stream of them (server, bidi streaming). */
export type MeshResult =
  | { readonly kind: "unary"; readonly message: Message }
  | { readonly kind: "stream"; readonly messages: AsyncIterable<Message> };

/** Runs the rest of the chain and the handler. */
export type MeshNext = (call: MeshCall) => Promise<MeshResult>;

/**
 * A server interceptor, the same function on both faces:
 * `(next) => async (call) => { ...before; const result = await next(call); ...after; return result; }`.
 * For response streams, `after` runs when the handler returned its iterable;
 * wrap `result.messages` to observe the end of the stream. For request streams,
 * `before` runs before any message was read; replace `call.requests` with a
 * wrapper to see each one.
 */
export type MeshInterceptor = (next: MeshNext) => MeshNext;

/** Applies interceptors outermost-first: the first one sees the call first. */
export function chain(interceptors: readonly MeshInterceptor[], handler: MeshNext): MeshNext {
  return interceptors.reduceRight<MeshNext>((next, interceptor) => interceptor(next), handler);
}
