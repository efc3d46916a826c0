import { create, isMessage, type DescMethod, type DescService, type Message } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { MeshNext, MeshResult } from "./mesh-call.js";

/** A service's handlers, written once against the generated Connect service type. */
export interface ServiceRegistration<S extends DescService = DescService> {
  readonly service: S;
  readonly impl: Partial<ServiceImpl<S>>;
}

/** Pairs a service with its handlers, keeping the handler types checked. */
export function registration<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): ServiceRegistration {
  return { service, impl } as unknown as ServiceRegistration;
}

/** One servable method: its descriptors and the handler adapted to the chain's shape. */
export interface MethodEntry {
  readonly service: DescService;
  readonly method: DescMethod;
  /** "/package.Service/Method" */
  readonly path: string;
  readonly handler: MeshNext;
}

/** Flattens registrations into method entries, one per method of every kind. */
export function methodEntries(registrations: readonly ServiceRegistration[]): MethodEntry[] {
  const entries: MethodEntry[] = [];
  for (const { service, impl } of registrations) {
    for (const method of service.methods) {
      const fn = (impl as Record<string, unknown>)[method.localName];
      const path = `/${service.typeName}/${method.name}`;
      entries.push({ service, method, path, handler: typeof fn === "function" ? adapt(method, fn) : unimplemented(path) });
    }
  }
  return entries;
}

type AnyHandler = (input: Message | AsyncIterable<Message>, context: unknown) => unknown;

/** The handler as the chain's last step: it gets `request` or `requests` by the method's kind. */
function adapt(method: DescMethod, fn: unknown): MeshNext {
  const handler = fn as AnyHandler;
  switch (method.methodKind) {
    case "unary":
      return async (call): Promise<MeshResult> => {
        const output = await handler(call.request!, call.context);
        return { kind: "unary", message: normalize(method, output) };
      };
    case "server_streaming":
      return async (call) => {
        const output = handler(call.request!, call.context) as AsyncIterable<unknown>;
        return { kind: "stream", messages: normalizeStream(method, output) };
      };
    case "client_streaming":
      return async (call) => {
        const output = await handler(call.requests!, call.context);
        return { kind: "unary", message: normalize(method, output) };
      };
    case "bidi_streaming":
      return async (call) => {
        const output = handler(call.requests!, call.context) as AsyncIterable<unknown>;
        return { kind: "stream", messages: normalizeStream(method, output) };
      };
  }
}

function normalize(method: DescMethod, output: unknown): Message {
  return isMessage(output, method.output) ? output : create(method.output, output as never);
}

async function* normalizeStream(method: DescMethod, output: AsyncIterable<unknown>): AsyncIterable<Message> {
  for await (const message of output) yield normalize(method, message);
}

function unimplemented(path: string): MeshNext {
  return async () => {
    throw new ConnectError(`${path} is not implemented`, Code.Unimplemented);
  };
}
