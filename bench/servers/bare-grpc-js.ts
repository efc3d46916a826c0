// Bare @grpc/grpc-js: the same contract, no mesh. With BENCH_UPSTREAM=host:port
// it is a hop instead: every Echo is forwarded to the upstream over one
// plaintext grpc-js channel (the baseline for a two-hop path like gateway → service).
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { EchoRequestSchema, EchoResponseSchema, EchoService } from "@chaos/gen/chaos/echo/v1/echo_service_pb.js";
import { announce } from "./ready.js";

const method = EchoService.method.echo;
const definition = {
  echo: {
    path: `/${EchoService.typeName}/${method.name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (m: Parameters<typeof toBinary<typeof EchoRequestSchema>>[1]) => Buffer.from(toBinary(EchoRequestSchema, m)),
    requestDeserialize: (b: Buffer) => fromBinary(EchoRequestSchema, b),
    responseSerialize: (m: Parameters<typeof toBinary<typeof EchoResponseSchema>>[1]) => Buffer.from(toBinary(EchoResponseSchema, m)),
    responseDeserialize: (b: Buffer) => fromBinary(EchoResponseSchema, b),
  },
};
const upstreamAddress = process.env.BENCH_UPSTREAM;
const Upstream = grpc.makeGenericClientConstructor(definition, EchoService.typeName);
const upstream = upstreamAddress === undefined ? undefined : new Upstream(upstreamAddress, grpc.credentials.createInsecure());

const server = new grpc.Server();
server.addService(definition, {
  echo: (call: grpc.ServerUnaryCall<{ payload: Uint8Array }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
    if (upstream === undefined) {
      callback(null, create(EchoResponseSchema, { payload: call.request.payload }));
      return;
    }
    (upstream as unknown as { echo: (req: unknown, cb: grpc.requestCallback<unknown>) => void }).echo(call.request, (error, response) =>
      error ? callback(error) : callback(null, response),
    );
  },
});
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  announce(port);
});
