import { EchoService } from "@chaos/gen/chaos/echo/v1/echo_service_pb.js";
import { defineService, registration } from "@chaos/mesh/server";
import { createEchoHandlers } from "./handlers/echo.js";

/** The mesh's example and test service: echoes, streams, fails on request; no state. */
export default defineService({
  name: "echo",
  description: "The mesh's example service: echoes, streams and fails on request, to exercise both faces.",
  port: 7100,
  serves: [{ service: EchoService }],
  edge: () => ({ allowedOrigins: ["*"] }),
  settings: (env) => ({ instance: env.HOSTNAME ?? "echo" }),
  wire: ({ settings }) => ({ services: [registration(EchoService, createEchoHandlers(settings.instance))] }),
});
