import http from "node:http";
import type { Registry } from "prom-client";

/**
 * The operator's HTTP port: Prometheus `/metrics`, Kubernetes liveness
 * `/healthz` (the process answers) and readiness `/readyz` (503 once shutdown
 * starts, so the Service stops routing here before the process exits).
 */
export function createAdminServer(registry: Registry, isReady: () => boolean): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") {
      res.writeHead(405, { allow: "GET" }).end();
    } else if (path === "/metrics") {
      registry.metrics().then(
        (body) => res.writeHead(200, { "content-type": registry.contentType }).end(body),
        (error: Error) => res.writeHead(500).end(error.message),
      );
    } else if (path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } else if (path === "/readyz") {
      const ready = isReady();
      res.writeHead(ready ? 200 : 503, { "content-type": "text/plain" }).end(ready ? "ready\n" : "shutting down\n");
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
}
