import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { dataDir } from "../infra/config.js";
import type { RolloutResult } from "./rollout.js";

/** Where the running `npm start` listens for its control requests. */
export function controlSocketPath(): string {
  return path.join(dataDir, "run", "control.sock");
}

/** What a running `npm start` does when asked through its control socket. */
export interface ControlHandlers {
  /** Why `service` cannot be rolled out (an HTTP status and the reason), or undefined when it can. */
  refusalOf(service: string): { readonly status: number; readonly message: string } | undefined;
  /** Rolls `service` out to a new release: its current source, with `env` on top of its environment; progress goes to `log`. */
  rollout(service: string, env: Readonly<Record<string, string>>, log: (line: string) => void): Promise<RolloutResult>;
}

/** The largest request body: a service name and a few settings. */
const maxBodyBytes = 64 * 1024;

/**
 * `npm start`'s control socket: HTTP on a Unix socket in the data directory, reachable by this machine's
 * user only (the directory's permissions), never over the network. `POST /rollout` with
 * `{"service": "...", "env": {...}}` answers with the rollout's progress, one line at a time, and the
 * result as the last line (JSON). One rollout at a time (409 while one runs).
 */
export async function startControlSocket(socketPath: string, handlers: ControlHandlers): Promise<{ close(): Promise<void> }> {
  fs.mkdirSync(path.dirname(socketPath), { recursive: true });
  // A socket file left by a run that was killed: the run lock says no other npm start is up.
  fs.rmSync(socketPath, { force: true });
  let busy = false;
  const server = http.createServer((req, res) => {
    const refuse = (status: number, message: string) => res.writeHead(status, { "content-type": "text/plain" }).end(`${message}\n`);
    if (req.url !== "/rollout") return refuse(404, "not found: the control socket answers POST /rollout");
    if (req.method !== "POST") return refuse(405, "POST /rollout");
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) req.destroy();
      else chunks.push(chunk);
    });
    req.on("end", () => {
      let body: { service?: unknown; env?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof body;
      } catch {
        return refuse(400, "the body must be JSON: {\"service\": \"<name>\", \"env\": {\"NAME\": \"value\"}}");
      }
      const env = body.env ?? {};
      if (typeof body.service !== "string") return refuse(400, "service: a service's name is needed");
      if (typeof env !== "object" || env === null || Object.values(env).some((value) => typeof value !== "string")) return refuse(400, "env: an object of strings");
      const badName = Object.keys(env).find((name) => !/^[A-Z][A-Z0-9_]*$/.test(name));
      if (badName !== undefined) return refuse(400, `env: ${JSON.stringify(badName)} is not an environment variable's name (A-Z, 0-9, _)`);
      if (busy) return refuse(409, "a rollout is running; wait for it to end");
      const refusal = handlers.refusalOf(body.service);
      if (refusal !== undefined) return refuse(refusal.status, refusal.message);
      busy = true;
      res.writeHead(200, { "content-type": "text/plain" });
      handlers
        .rollout(body.service, env as Record<string, string>, (line) => res.write(`${line}\n`))
        .then(
          (result) => res.end(`${JSON.stringify(result)}\n`),
          (error: unknown) => res.end(`${JSON.stringify({ error: (error as Error).message })}\n`),
        )
        .finally(() => (busy = false));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, resolve);
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
