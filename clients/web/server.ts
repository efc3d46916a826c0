/**
 * Serves the web console: builds the bundle, then serves index.html,
 * styles.css, the bundle and /config.json (which tells the page where the
 * gateway is) over plain HTTP. Only those known files are served, and the
 * Operations page's read-only queries of Prometheus and Jaeger under /ops/
 * (operations-proxy.ts).
 */
import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { buildConsole, consoleDir } from "./build.js";
import { answerOperations, type OperationsTools } from "./operations-proxy.js";

/** Options of {@link startConsoleServer}. */
export interface ConsoleServerOptions extends OperationsTools {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Address to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** The gateway's HTTP/1.1 edge as the browser reaches it, e.g. http://127.0.0.1:7211. */
  readonly gatewayUrl: string;
  /** Where the bundle is built. Default clients/web/dist. */
  readonly outDir?: string;
}

/** A running console server. */
export interface ConsoleServer {
  /** Where the console is, e.g. http://localhost:8080 (no trailing slash; loopback is named localhost). */
  readonly url: string;
  close(): Promise<void>;
}

interface Route {
  readonly contentType: string;
  /** The file to send, or the body itself. */
  readonly source: { readonly file: string } | { readonly body: string };
  readonly cacheControl: string;
}

const contentTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

/** Builds the console and starts serving it. */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const host = options.host ?? "127.0.0.1";
  const build = await buildConsole({ outDir: options.outDir });
  // The routing table is the whole list of what may be served: nothing is looked up on disk by request path.
  const routes = new Map<string, Route>();
  const revalidate = "no-cache";
  const fileRoute = (file: string): Route => ({ contentType: contentTypes[path.extname(file)] ?? "application/octet-stream", source: { file }, cacheControl: revalidate });
  routes.set("/", fileRoute(path.join(consoleDir, "index.html")));
  routes.set("/index.html", fileRoute(path.join(consoleDir, "index.html")));
  routes.set("/styles.css", fileRoute(path.join(consoleDir, "styles.css")));
  for (const file of build.files) routes.set(`/dist/${file.split(path.sep).join("/")}`, fileRoute(path.join(build.outDir, file)));
  routes.set("/config.json", {
    contentType: "application/json; charset=utf-8",
    source: { body: JSON.stringify({ gatewayUrl: options.gatewayUrl, operations: { metrics: options.prometheusUrl !== undefined, traces: options.jaegerUrl !== undefined } }) },
    cacheControl: "no-store",
  });
  const securityHeaders = {
    "content-security-policy": [
      "default-src 'self'",
      `connect-src 'self' ${new URL(options.gatewayUrl).origin}`,
      "img-src 'self' data:",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join("; "),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://console");
      const route = routes.get(url.pathname);
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("method not allowed\n");
        return;
      }
      const operations = url.pathname.startsWith("/ops/") ? await answerOperations(url, options) : undefined;
      if (operations !== undefined) {
        res.writeHead(operations.status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...securityHeaders });
        res.end(req.method === "HEAD" ? undefined : operations.body);
        return;
      }
      if (route === undefined) {
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8", ...securityHeaders }).end("not found\n");
        return;
      }
      const body = "file" in route.source ? await fs.readFile(route.source.file) : Buffer.from(route.source.body);
      res.writeHead(200, {
        "content-type": route.contentType,
        "content-length": body.length,
        "cache-control": route.cacheControl,
        ...securityHeaders,
      });
      res.end(req.method === "HEAD" ? undefined : body);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end("internal error\n");
      console.error("console server:", error);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new Error(`the web console cannot listen on ${host}:${options.port}: the port is in use`) : error),
    );
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  // Loopback is announced as localhost: a passkey's relying party is a domain, never an address, so the console
  // opened as 127.0.0.1 could not add or use passkeys (identity's RP ID is localhost by default).
  const urlHost = host === "127.0.0.1" || host === "::1" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
