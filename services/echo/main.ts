import { EchoService } from "@chaos/gen/chaos/echo/v1/echo_service_pb.js";
import { registration, runService } from "@chaos/mesh";
import { createEchoHandlers } from "./handlers/echo.js";

await runService({
  name: "echo",
  services: () => [registration(EchoService, createEchoHandlers(process.env.HOSTNAME ?? "echo"))],
  edge: { allowedOrigins: ["*"] },
});
