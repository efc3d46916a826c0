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
 */
export interface MeshCall {
  readonly face: Face;
  readonly service: DescService;
  readonly method: DescMethod;
  /** "/package.Service/Method" */
  readonly path: string;
  readonly request: Message;
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

/** The outcome of a handler: one message, or a stream of them (server streaming). */
export type MeshResult =
  | { readonly kind: "unary"; readonly message: Message }
  | { readonly kind: "stream"; readonly messages: AsyncIterable<Message> };

/** Runs the rest of the chain and the handler. */
export type MeshNext = (call: MeshCall) => Promise<MeshResult>;

/**
 * A server interceptor, the same function on both faces:
 * `(next) => async (call) => { ...before; const result = await next(call); ...after; return result; }`.
 * For streams, `after` runs when the handler returned its iterable; wrap
 * `result.messages` to observe the end of the stream.
 */
export type MeshInterceptor = (next: MeshNext) => MeshNext;

/** Applies interceptors outermost-first: the first one sees the call first. */
export function chain(interceptors: readonly MeshInterceptor[], handler: MeshNext): MeshNext {
  return interceptors.reduceRight<MeshNext>((next, interceptor) => interceptor(next), handler);
}
