import { create, fromBinary, toBinary, type DescFile, type DescService, type MessageInitShape } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import {
  ServerReflection as ServerReflectionV1,
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "@chaos/gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1alpha } from "@chaos/gen/grpc/reflection/v1alpha/reflection_pb.js";
import { file_google_rpc_error_details } from "@chaos/gen/google/rpc/error_details_pb.js";
import { registration, type ServiceRegistration } from "./registration.js";

/**
 * Server reflection (grpc.reflection.v1 and v1alpha), so grpcurl and other
 * clients can list, describe and call services without .proto files. It
 * serves the FileDescriptorProtos compiled into the generated code
 * (DescFile.proto), byte for byte, each under its own name and with its own
 * imports.
 *
 * Not @grpc/reflection: it reads descriptors from a proto-loader
 * PackageDefinition, and proto-loader rebuilds them through protobufjs,
 * which merges the files of a package into one (every google.protobuf type
 * in one file named after one of them) and lists no imports, so clients
 * failed with `"*.google.protobuf.Duration" not found`. Handed the exact
 * descriptors instead, it still decodes and re-encodes them with protobufjs,
 * which drops the options it has no extension for — every buf.validate rule.
 * And it mounts on grpc-js only, while the edge face is connect-node.
 */
export interface ServerReflectionIndex {
  /**
   * Answers one request of a ServerReflectionInfo stream (v1 messages;
   * v1alpha has the same wire format). `sent` holds the names of the files
   * this stream was already sent: their imports are not sent again, as the
   * protocol allows (the requested file always is).
   */
  answer(request: ServerReflectionRequest, sent: Set<string>): ServerReflectionResponse;
}

/** Options of {@link createServerReflection}. */
export interface ServerReflectionOptions {
  /**
   * Largest answer, in bytes (the face's message limit). A file's imports
   * that do not fit are left out; clients then ask for them by name
   * (file_by_filename), one answer each. No default: the gateway's edge limit
   * (64 KiB) is smaller than buf/validate/validate.proto with its imports.
   */
  readonly maxResponseBytes: number;
}

/**
 * Indexes the files of `services` (and of reflection itself) with all their
 * imports, and google/rpc/error_details.proto: the ErrorInfo and BadRequest
 * the mesh puts in every error's details, so clients can decode those too.
 * `list_services` names `services` and the two reflection services.
 */
export function createServerReflection(services: readonly DescService[], options: ServerReflectionOptions): ServerReflectionIndex {
  const listed = [...services, ServerReflectionV1, ServerReflectionV1alpha];
  const files = new Map<string, DescFile>();
  const visit = (file: DescFile) => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    for (const dependency of file.dependencies) visit(dependency);
  };
  for (const service of listed) visit(service.file);
  visit(file_google_rpc_error_details);

  const symbols = new Map<string, DescFile>();
  const messages = new Set<string>();
  const extensions = new Map<string, Map<number, DescFile>>();
  for (const file of files.values()) {
    for (const type of nestedTypes(file)) {
      symbols.set(type.typeName, file);
      switch (type.kind) {
        case "message":
          messages.add(type.typeName);
          for (const field of type.fields) symbols.set(`${type.typeName}.${field.name}`, file);
          for (const oneof of type.oneofs) symbols.set(`${type.typeName}.${oneof.name}`, file);
          break;
        case "enum": {
          // Enum values are scoped like siblings of their enum: "pkg.LEVEL_LOW", not "pkg.Level.LEVEL_LOW".
          const scope = type.typeName.slice(0, type.typeName.length - type.name.length);
          for (const value of type.values) symbols.set(`${scope}${value.name}`, file);
          break;
        }
        case "service":
          for (const method of type.methods) symbols.set(`${type.typeName}.${method.name}`, file);
          break;
        case "extension": {
          const byNumber = extensions.get(type.extendee.typeName) ?? new Map<number, DescFile>();
          byNumber.set(type.number, file);
          extensions.set(type.extendee.typeName, byNumber);
          break;
        }
      }
    }
  }

  const encoded = new Map<DescFile, Uint8Array>();
  for (const file of files.values()) encoded.set(file, toBinary(FileDescriptorProtoSchema, file.proto));

  type MessageResponse = MessageInitShape<typeof ServerReflectionResponseSchema>["messageResponse"];
  /** The file first, then those of its imports (breadth-first) the stream has not had, as many as fit. */
  const withImports = (file: DescFile, request: ServerReflectionRequest, sent: Set<string>): MessageResponse => {
    // The answer repeats the request twice (valid_host, original_request); 64 bytes cover the tags and lengths around it.
    let room = options.maxResponseBytes - 2 * toBinary(ServerReflectionRequestSchema, request).length - 64;
    const fileDescriptorProto: Uint8Array[] = [];
    const seen = new Set<DescFile>();
    const queue = [file];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (seen.has(next)) continue;
      seen.add(next);
      const bytes = encoded.get(next)!;
      // Each file costs a tag and a length (at most 6 bytes) besides its own bytes.
      if (fileDescriptorProto.length === 0 || (!sent.has(next.proto.name) && bytes.length + 6 <= room)) {
        fileDescriptorProto.push(bytes);
        sent.add(next.proto.name);
        room -= bytes.length + 6;
      }
      queue.push(...next.dependencies);
    }
    return { case: "fileDescriptorResponse", value: { fileDescriptorProto } };
  };
  const failure = (errorCode: Code, errorMessage: string): MessageResponse => ({ case: "errorResponse", value: { errorCode, errorMessage } });
  const lookUp = (request: ServerReflectionRequest, sent: Set<string>): MessageResponse => {
    const ask = request.messageRequest;
    switch (ask.case) {
      case "listServices":
        return { case: "listServicesResponse", value: { service: listed.map((s) => ({ name: s.typeName })) } };
      case "fileByFilename": {
        const file = files.get(ask.value);
        return file === undefined ? failure(Code.NotFound, `File not found: ${ask.value}`) : withImports(file, request, sent);
      }
      case "fileContainingSymbol": {
        const file = symbols.get(ask.value);
        return file === undefined ? failure(Code.NotFound, `Symbol not found: ${ask.value}`) : withImports(file, request, sent);
      }
      case "fileContainingExtension": {
        const { containingType, extensionNumber } = ask.value;
        const file = extensions.get(containingType)?.get(extensionNumber);
        return file === undefined ? failure(Code.NotFound, `Extension not found: ${containingType} ${extensionNumber}`) : withImports(file, request, sent);
      }
      case "allExtensionNumbersOfType":
        if (!messages.has(ask.value)) return failure(Code.NotFound, `Type not found: ${ask.value}`);
        return { case: "allExtensionNumbersResponse", value: { baseTypeName: ask.value, extensionNumber: [...(extensions.get(ask.value)?.keys() ?? [])] } };
      default:
        return failure(Code.InvalidArgument, "the request sets no message_request");
    }
  };
  return {
    answer: (request, sent) => create(ServerReflectionResponseSchema, { validHost: request.host, originalRequest: request, messageResponse: lookUp(request, sent) }),
  };
}

/**
 * Both reflection services as registrations, run through each face's chain
 * like any service (on the edge face the gateway's rate limit counts each
 * stream as a call; on the internal face the caller needs a valid SVID). The v1alpha messages are read and
 * written through v1's, whose wire format is the same.
 */
export function reflectionRegistrations(reflection: ServerReflectionIndex): ServiceRegistration[] {
  const v1alpha = ServerReflectionV1alpha.method.serverReflectionInfo;
  return [
    registration(ServerReflectionV1, {
      async *serverReflectionInfo(requests) {
        const sent = new Set<string>();
        for await (const request of requests) yield reflection.answer(request, sent);
      },
    }),
    registration(ServerReflectionV1alpha, {
      async *serverReflectionInfo(requests) {
        const sent = new Set<string>();
        for await (const request of requests) {
          const answer = reflection.answer(fromBinary(ServerReflectionRequestSchema, toBinary(v1alpha.input, request)), sent);
          yield fromBinary(v1alpha.output, toBinary(ServerReflectionResponseSchema, answer));
        }
      },
    }),
  ];
}
