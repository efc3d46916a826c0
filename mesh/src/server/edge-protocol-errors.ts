import { Code, ConnectError, createContextKey, createContextValues } from "@connectrpc/connect";
import { encodeEnvelope, type UniversalHandler, type UniversalServerRequest, type UniversalServerResponse } from "@connectrpc/connect/protocol";
import { codeToHttpStatus, endStreamFlag, endStreamFromJson, endStreamToJson, errorFromJsonBytes, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { findTrailerError, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerParse, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";

/**
 * Set by the edge face's method handler when a request reaches the mesh
 * chain; a request connect-node refuses before that (a body that does not
 * parse, a message over the size limit, a bad timeout header) leaves it false.
 */
export const reachedChainKey = createContextKey<{ reached: boolean } | undefined>(undefined, { description: "request reached the mesh chain" });

/** Told of each call connect-node refused before the mesh chain saw it: the code answered, connect's own message, the time taken. */
export type ProtocolErrorObserver = (code: Code, rawMessage: string, seconds: number) => void;

/**
 * Wraps a connect-node handler so the calls it refuses on its own are seen:
 * each is reported to `observe` (the face logs and counts it like any call),
 * and a request connect answers INTERNAL although the fault is the client's
 * (a message that does not parse as protobuf binary, an envelope flagged
 * compressed with no encoding named, a body that does not decompress) becomes INVALID_ARGUMENT with a plain
 * message (a client's garbage is neither the server's fault nor the
 * client's business to read the parser's text about). Other codes stay as connect-node's
 * protocols map them — RESOURCE_EXHAUSTED for an oversize message is HTTP
 * 429 in the Connect protocol, as its specification says. Covers the four
 * wire forms: Connect unary (JSON error body), Connect streaming (end-stream
 * message), gRPC (trailers) and gRPC-Web (trailer frame).
 */
export function observeProtocolErrors(handler: UniversalHandler, observe: ProtocolErrorObserver): UniversalHandler {
  const plainParseError = `request is not a valid ${handler.method.input.typeName}`;
  const wrapped = async (request: UniversalServerRequest): Promise<UniversalServerResponse> => {
    const started = process.hrtime.bigint();
    const state = { reached: false };
    (request.contextValues ??= createContextValues()).set(reachedChainKey, state);
    const response = await handler(request);
    if (state.reached || response.body === undefined) return response;
    // Decided once the body has been produced: a gRPC call reaches the chain (or not) while it is read.
    const settle = (error: ConnectError | undefined): ConnectError | undefined => {
      if (state.reached || error === undefined) return undefined;
      const corrected = clientFault(error, plainParseError);
      observe((corrected ?? error).code, error.rawMessage, Number(process.hrtime.bigint() - started) / 1e9);
      return corrected;
    };
    const observed: UniversalServerResponse = { ...response };
    observed.body = rewriteBody(observed, response.body, settle);
    return observed;
  };
  return Object.assign(wrapped, handler);
}

/** connect's messages for a client's malformed request that it answers INTERNAL; what the client is told instead. */
function clientFault(error: ConnectError, plainParseError: string): ConnectError | undefined {
  if (error.code !== Code.Internal) return undefined;
  if (error.rawMessage.startsWith("parse binary:")) return new ConnectError(plainParseError, Code.InvalidArgument);
  if (error.rawMessage === "received compressed envelope, but do not know how to decompress") {
    return new ConnectError("a request message is flagged compressed, but the request names no encoding", Code.InvalidArgument);
  }
  // A truncated or corrupt compressed body (connect passes only some of zlib's and brotli's codes on as INVALID_ARGUMENT).
  if (error.rawMessage === "decompression failed") return new ConnectError("the request does not decompress with the encoding it names", Code.InvalidArgument);
  return undefined;
}

/**
 * The response body, passed through; for a call the chain did not see, its
 * error is read from where the protocol puts it and, when `settle` returns a
 * replacement, written back in its place. The node writer sends status and
 * headers after the first chunk and trailers after the last, so both can
 * still change here.
 */
async function* rewriteBody(
  response: UniversalServerResponse,
  body: AsyncIterable<Uint8Array>,
  settle: (error: ConnectError | undefined) => ConnectError | undefined,
): AsyncIterable<Uint8Array> {
  const contentType = response.header?.get("content-type") ?? "";
  if (contentType.startsWith("application/grpc-web")) {
    const frames = envelopes(await concat(body));
    const trailerFrame = frames.find((frame) => (frame.flags & trailerFlag) === trailerFlag);
    const trailer = trailerFrame === undefined ? undefined : trailerParse(trailerFrame.data);
    const corrected = settle(trailer === undefined ? undefined : findTrailerError(trailer));
    if (corrected !== undefined && trailerFrame !== undefined && trailer !== undefined) {
      setTrailerStatus(trailer, corrected);
      trailerFrame.data = trailerSerialize(trailer);
    }
    for (const frame of frames) yield encodeEnvelope(frame.flags, frame.data);
  } else if (contentType.startsWith("application/grpc")) {
    yield* body;
    // A trailers-only answer carries the status in its headers.
    const trailer = response.trailer !== undefined && response.trailer.has("grpc-status") ? response.trailer : response.header;
    const corrected = settle(trailer === undefined ? undefined : findTrailerError(trailer));
    if (corrected !== undefined && trailer !== undefined) setTrailerStatus(trailer, corrected);
  } else if (contentType.startsWith("application/connect+")) {
    const frames = envelopes(await concat(body));
    const end = frames.find((frame) => (frame.flags & endStreamFlag) === endStreamFlag);
    const endStream = end === undefined ? undefined : endStreamFromJson(end.data);
    const corrected = settle(endStream?.error);
    if (corrected !== undefined && end !== undefined && endStream !== undefined) {
      end.data = new TextEncoder().encode(JSON.stringify(endStreamToJson(endStream.metadata, corrected, undefined)));
    }
    for (const frame of frames) yield encodeEnvelope(frame.flags, frame.data);
  } else if (response.status !== 200 && contentType.startsWith("application/json")) {
    const bytes = await concat(body);
    const corrected = settle(connectUnaryError(bytes, response.status));
    if (corrected === undefined) {
      yield bytes;
      return;
    }
    const replaced = errorToJsonBytes(corrected, {});
    response.status = codeToHttpStatus(corrected.code);
    response.header?.set("content-length", String(replaced.byteLength));
    yield replaced;
  } else {
    yield* body;
  }
}

function connectUnaryError(bytes: Uint8Array, status: number): ConnectError | undefined {
  try {
    return errorFromJsonBytes(bytes, undefined, new ConnectError(`HTTP ${status}`, Code.Unknown));
  } catch {
    return undefined;
  }
}

async function concat(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The frames of an enveloped body: flags byte, 4-byte big-endian length, data. */
function envelopes(bytes: Uint8Array): Array<{ flags: number; data: Uint8Array }> {
  const frames: Array<{ flags: number; data: Uint8Array }> = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let offset = 0; offset + 5 <= bytes.byteLength; ) {
    const length = view.getUint32(offset + 1);
    frames.push({ flags: bytes[offset]!, data: bytes.subarray(offset + 5, offset + 5 + length) });
    offset += 5 + length;
  }
  return frames;
}
