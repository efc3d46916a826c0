/**
 * The request signal of outgoing calls whose caller gave none: one shared
 * signal that never fires, so such calls allocate no AbortController. Code
 * that listens to a request signal removes its listener when the call ends,
 * on this one as on any other.
 */
export const neverAborted: AbortSignal = new AbortController().signal;
