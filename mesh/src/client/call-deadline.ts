import { createContextKey } from "@connectrpc/connect";

/**
 * The absolute deadline (ms since the epoch) of an outgoing call, kept in the
 * call's context values so every interceptor reads the same one: the mesh
 * transport sets it from the caller's timeout, the propagation interceptor
 * shortens it to the incoming call's and fills in the default, the retry
 * interceptor keeps backoffs inside it, and the grpc-js transport hands it to
 * grpc-js. Undefined until one is known.
 */
export const callDeadlineKey = createContextKey<number | undefined>(undefined, { description: "deadline of the outgoing call" });
