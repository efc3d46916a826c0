import { create, fromBinary, toBinary, type DescMethod, type Message } from "@bufbuild/protobuf";
import { Code, ConnectError, type StreamRequest, type StreamResponse, type UnaryRequest, type UnaryResponse } from "@connectrpc/connect";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import * as grpc from "@grpc/grpc-js";
import { headersFromMetadata, metadataFromHeaders } from "../server/metadata.js";
import { callDeadlineKey } from "./call-deadline.js";
import { methodPath } from "./method-path.js";
import { neverAborted } from "./never-aborted.js";
import { markCommitted } from "./retry.js";

/** One attempt of an outgoing call: what the mesh transport's interceptors wrap. */
export type CallFn = (request: UnaryRequest | StreamRequest) => Promise<UnaryResponse | StreamResponse>;

/**
 * The bare grpc-js transport: runs one attempt of a call over a grpc-js
 * channel, with the request's headers as metadata, the deadline of its
 * context values (callDeadlineKey), and its signal cancelling the call. Every
 * kind of method: unary, server streaming, and client and bidi streaming (the
 * request messages are written as the request stream yields them, with
 * backpressure). A stream's response resolves when the server's response
 * headers arrive; errors after that end the response messages instead.
 */
export function createGrpcJsCall(client: grpc.Client): CallFn {
  return (request) => (request.stream ? streamAttempt(client, request) : unaryAttempt(client, request));
}

function unaryAttempt(client: grpc.Client, request: UnaryRequest): Promise<UnaryResponse> {
  return new Promise((resolve, reject) => {
    const signal = request.signal;
    if (signal.aborted) {
      reject(ConnectError.from(signal.reason, Code.Canceled));
      return;
    }
    const { method } = request;
    const codec = codecOf(method);
    let header: Headers | undefined;
    // grpc-js calls back before it emits "status": the trailer object is handed out first and filled in then.
    const trailer = new Headers();
    const call = client.makeUnaryRequest(
      methodPath(method),
      codec.serialize,
      codec.deserialize,
      request.message,
      metadataFromHeaders(request.header),
      { deadline: deadlineOf(request) },
      (error, message) => {
        if (signal !== neverAborted) signal.removeEventListener("abort", cancel);
        if (error) {
          const failure = toConnectError(error);
          // Response headers had arrived: the call was committed (gRFC A6) and must not be retried.
          reject(header === undefined ? failure : markCommitted(failure));
          return;
        }
        resolve({ stream: false, service: request.service, method, header: header ?? new Headers(), trailer, message: message! });
      },
    );
    const cancel = () => call.cancel();
    if (signal !== neverAborted) signal.addEventListener("abort", cancel, { once: true });
    call.on("metadata", (metadata) => (header = headersFromMetadata(metadata)));
    call.on("status", (status) => copyInto(trailer, status.metadata));
  });
}

async function streamAttempt(client: grpc.Client, request: StreamRequest): Promise<StreamResponse> {
  const { method, signal } = request;
  // A server-streaming call sends its one request message up front; the others stream theirs.
  const single = method.methodKind === "server_streaming" ? await firstMessage(method, request.message) : undefined;
  if (signal.aborted) throw ConnectError.from(signal.reason, Code.Canceled);
  const codec = codecOf(method);
  const metadata = metadataFromHeaders(request.header);
  const options = { deadline: deadlineOf(request) };
  const call =
    single === undefined
      ? client.makeBidiStreamRequest(methodPath(method), codec.serialize, codec.deserialize, metadata, options)
      : client.makeServerStreamRequest(methodPath(method), codec.serialize, codec.deserialize, single, metadata, options);
  const attempt: Attempt = { call, ended: false, failure: undefined, inputFailure: undefined, input: undefined };
  const cancel = () => call.cancel();
  if (signal !== neverAborted) signal.addEventListener("abort", cancel, { once: true });
  const trailer = new Headers();
  call.once("status", (status: grpc.StatusObject) => {
    copyInto(trailer, status.metadata);
    endAttempt(attempt);
  });
  if (single === undefined) void writeRequests(attempt, request.message);
  return new Promise((resolve, reject) => {
    let settled = false;
    const respond = (header: Headers) => {
      if (settled) return;
      settled = true;
      resolve({ stream: true, service: request.service, method, header, trailer, message: responses(attempt, signal, cancel) });
    };
    call.once("metadata", (received: grpc.Metadata) => respond(headersFromMetadata(received)));
    // grpc-js emits "error" (it does not destroy the stream with it): kept for a reader that starts late.
    call.once("error", (error: grpc.ServiceError) => {
      attempt.failure = failureOf(attempt, error);
      if (settled) return;
      // No response headers: a Trailers-Only error, which a retry may repeat.
      settled = true;
      if (signal !== neverAborted) signal.removeEventListener("abort", cancel);
      reject(attempt.failure);
    });
    // A stream that ends well without response headers: an empty answer.
    call.once("status", (status: grpc.StatusObject) => {
      if (status.code === grpc.status.OK) respond(new Headers());
    });
  });
}

/** The state of one streaming attempt, shared by its request writer and its response reader. */
interface Attempt {
  readonly call: grpc.ClientReadableStream<Message> | grpc.ClientDuplexStream<Message, Message>;
  /** The call has its status: nothing more is written or read. */
  ended: boolean;
  /** The call's error, once it failed. */
  failure: ConnectError | undefined;
  /** Why the caller's request stream failed, if it did (the call was cancelled because of it). */
  inputFailure: unknown;
  /** The request stream being written, to be released when the call ends first. */
  input: AsyncIterator<unknown> | undefined;
}

function endAttempt(attempt: Attempt): void {
  if (attempt.ended) return;
  attempt.ended = true;
  // The server ended the call before the request stream did: let it release what it holds.
  attempt.input?.return?.()?.catch(() => undefined);
  attempt.input = undefined;
}

/** Writes the request stream of a client- or bidi-streaming attempt, then half-closes. */
async function writeRequests(attempt: Attempt, messages: AsyncIterable<Message>): Promise<void> {
  const call = attempt.call as grpc.ClientDuplexStream<Message, Message>;
  const input = messages[Symbol.asyncIterator]();
  attempt.input = input;
  try {
    for (;;) {
      const step = await input.next();
      if (attempt.ended) return;
      if (step.done === true) break;
      if (!call.write(step.value as Message)) await drained(call);
      if (attempt.ended) return;
    }
    attempt.input = undefined;
    call.end();
  } catch (error) {
    attempt.input = undefined;
    if (attempt.ended) return;
    attempt.inputFailure = error;
    call.cancel();
  }
}

/** Resolves when the call can take more messages, or has ended. */
function drained(call: grpc.ClientDuplexStream<Message, Message>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off("drain", done);
      call.off("status", done);
      resolve();
    };
    call.once("drain", done);
    call.once("status", done);
  });
}

async function* responses(attempt: Attempt, signal: AbortSignal, cancel: () => void): AsyncIterable<Message> {
  try {
    for await (const message of attempt.call as AsyncIterable<Message>) yield message;
    if (attempt.failure !== undefined) throw attempt.failure;
  } catch (error) {
    throw attempt.failure ?? failureOf(attempt, error as Error);
  } finally {
    if (signal !== neverAborted) signal.removeEventListener("abort", cancel);
    // Stopping early (the caller broke off) cancels the call; after its status this does nothing.
    attempt.call.cancel();
    endAttempt(attempt);
  }
}

/** A failed attempt's error: the caller's own when its request stream failed, else the call's status. */
function failureOf(attempt: Attempt, error: grpc.ServiceError | Error): ConnectError {
  if (attempt.inputFailure !== undefined) return ConnectError.from(attempt.inputFailure);
  return error instanceof ConnectError ? error : toConnectError(error);
}

async function firstMessage(method: DescMethod, messages: AsyncIterable<Message>): Promise<Message> {
  for await (const message of messages) return message;
  return create(method.input);
}

function deadlineOf(request: UnaryRequest | StreamRequest): number {
  return request.contextValues.get(callDeadlineKey) ?? Infinity;
}

function copyInto(headers: Headers, metadata: grpc.Metadata): void {
  headersFromMetadata(metadata).forEach((value, key) => headers.set(key, value));
}

interface Codec {
  readonly serialize: (message: Message) => Buffer;
  readonly deserialize: (bytes: Buffer) => Message;
}

const codecs = new WeakMap<DescMethod, Codec>();

/** grpc-js serializer and deserializer of a method's messages (protobuf binary via protobuf-es), made once per method. */
function codecOf(method: DescMethod): Codec {
  let codec = codecs.get(method);
  if (codec === undefined) {
    codec = {
      serialize: (message) => Buffer.from(toBinary(method.input, message as never)),
      deserialize: (bytes) => fromBinary(method.output, bytes),
    };
    codecs.set(method, codec);
  }
  return codec;
}

/**
 * A grpc-js error as a ConnectError with its details (ErrorInfo, BadRequest)
 * decoded from grpc-status-details-bin, exactly as a Connect client would
 * see it from connect-node.
 */
export function toConnectError(error: grpc.ServiceError | Error): ConnectError {
  const serviceError = error as Partial<grpc.ServiceError>;
  if (serviceError.code === undefined) return ConnectError.from(error, Code.Unavailable);
  const trailer = serviceError.metadata === undefined ? new Headers() : headersFromMetadata(serviceError.metadata);
  trailer.set("grpc-status", String(serviceError.code));
  trailer.set("grpc-message", encodeURIComponent(serviceError.details ?? ""));
  return findTrailerError(trailer) ?? new ConnectError(serviceError.details ?? "", serviceError.code as number as Code, trailer);
}
