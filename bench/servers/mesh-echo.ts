// The echo service on the mesh with the full chain (mTLS, authorization,
// breaker-ready client side, metrics, tracing, validation) on both faces.
import { EchoService } from "@chaos/gen/chaos/echo/v1/echo_service_pb.js";
import { createAuthorizer, createLogger, createMeshRuntime, loadMeshConfig, parsePolicy, registration } from "@chaos/mesh";
import { createEchoHandlers } from "../../services/echo/handlers/echo.js";

const runtime = createMeshRuntime("echo", {
  config: { ...loadMeshConfig({}), pkiDir: process.env.CHAOS_PKI_DIR! },
  discovery: { resolve: () => ({ internal: "127.0.0.1:0" }) },
  authorizer: createAuthorizer(
    parsePolicy({ trustDomain: "chaos.world", namespace: "chaos", services: { echo: { allow: [{ callers: ["gateway"], methods: ["/chaos.echo.v1.EchoService/*"] }] } } }),
  ),
  logger: createLogger("echo", "warn"),
});
const server = runtime.createServer({ services: [registration(EchoService, createEchoHandlers("echo"))], edge: { port: 0, http1Port: 0 } });
const addresses = await server.start();
process.stdout.write(`${JSON.stringify({ port: addresses.internalPort, edgePort: addresses.edgePort })}\n`);
