// Bare @grpc/grpc-js: the same contract, no mesh.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { EchoRequestSchema, EchoResponseSchema, EchoService } from "@chaos/gen/chaos/echo/v1/echo_service_pb.js";
import { announce } from "./ready.js";

const method = EchoService.method.echo;
const server = new grpc.Server();
server.addService(
  {
    echo: {
      path: `/${EchoService.typeName}/${method.name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (m: Parameters<typeof toBinary<typeof EchoRequestSchema>>[1]) => Buffer.from(toBinary(EchoRequestSchema, m)),
      requestDeserialize: (b: Buffer) => fromBinary(EchoRequestSchema, b),
      responseSerialize: (m: Parameters<typeof toBinary<typeof EchoResponseSchema>>[1]) => Buffer.from(toBinary(EchoResponseSchema, m)),
      responseDeserialize: (b: Buffer) => fromBinary(EchoResponseSchema, b),
    },
  },
  {
    echo: (call: grpc.ServerUnaryCall<{ payload: Uint8Array }, unknown>, callback: grpc.sendUnaryData<unknown>) =>
      callback(null, create(EchoResponseSchema, { payload: call.request.payload })),
  },
);
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  announce(port);
});
