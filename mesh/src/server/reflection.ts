import { toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import * as protoLoader from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import type * as grpc from "@grpc/grpc-js";
import { file_grpc_health_v1_health } from "@chaos/gen/grpc/health/v1/health_pb.js";

/**
 * Server reflection (grpc.reflection.v1 and v1alpha, from grpc-node's own
 * implementation), so grpcurl can list, describe and invoke every service
 * without .proto files. The descriptors are the ones compiled into the
 * generated code, with all their imports.
 */
export function addReflection(server: grpc.Server, services: readonly DescService[]): void {
  const files = new Map<string, FileDescriptorProto>();
  const visit = (file: DescFile) => {
    if (files.has(file.proto.name)) return;
    for (const dependency of file.dependencies) visit(dependency);
    files.set(file.proto.name, file.proto);
  };
  for (const service of services) visit(service.file);
  visit(file_grpc_health_v1_health);
  const set = toBinary(FileDescriptorSetSchema, { $typeName: "google.protobuf.FileDescriptorSet", file: [...files.values()] });
  const definition = protoLoader.loadFileDescriptorSetFromBuffer(Buffer.from(set), { keepCase: true, longs: String, enums: String, defaults: true });
  new ReflectionService(definition).addToServer(server);
}
