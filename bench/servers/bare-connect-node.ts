// Bare @connectrpc/connect-node over HTTP/2 cleartext: the same contract, no mesh.
import http2 from "node:http2";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { EchoService } from "@chaos/gen/chaos/echo/v1/echo_service_pb.js";
import { announce } from "./ready.js";

const server = http2.createServer(
  connectNodeAdapter({
    routes: (router) => router.service(EchoService, { echo: (request) => ({ payload: request.payload }) }),
  }),
);
server.listen(0, "127.0.0.1", () => announce((server.address() as { port: number }).port));
