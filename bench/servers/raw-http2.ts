// The floor: node:http2 answering gRPC by hand. EchoRequest and EchoResponse
// share field 1 (payload), so the request frame is a valid response frame.
import http2 from "node:http2";
import { announce } from "./ready.js";

const server = http2.createServer();
server.on("stream", (stream) => {
  // ghz resets in-flight streams when a timed run ends; that must not kill the server.
  stream.on("error", () => undefined);
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  stream.on("end", () => {
    if (stream.destroyed) return;
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(Buffer.concat(chunks));
  });
});
server.listen(0, "127.0.0.1", () => announce((server.address() as { port: number }).port));
