/**
 * npm run rollout -- <service> [NAME=value ...] — rolls a service of the running `npm start` over to its
 * current source (rebuilt), with those settings on top of its environment: canary first, each process baked,
 * rolled back by itself when a new process does not become ready, stops being ready, or fails too many of
 * its calls (scripts/lib/rollout.ts). Exits 0 when the release is out, 1 when it was rolled back or refused.
 */
import http from "node:http";
import { controlSocketPath } from "./lib/control-socket.js";
import type { RolloutResult } from "./lib/rollout.js";

const [service, ...settings] = process.argv.slice(2);
if (service === undefined || service.startsWith("-")) {
  console.error("usage: npm run rollout -- <service> [NAME=value ...]   (npm start must be running)");
  process.exit(2);
}
const env: Record<string, string> = {};
for (const setting of settings) {
  const at = setting.indexOf("=");
  if (at <= 0) {
    console.error(`"${setting}" is not NAME=value`);
    process.exit(2);
  }
  env[setting.slice(0, at)] = setting.slice(at + 1);
}

const socketPath = controlSocketPath();
const request = http.request({ socketPath, path: "/rollout", method: "POST", headers: { "content-type": "application/json" } }, (response) => {
  let last = "";
  let pending = "";
  let text = "";
  response.setEncoding("utf8");
  response.on("data", (chunk: string) => {
    pending += chunk;
    text += chunk;
    if (response.statusCode !== 200) return;
    for (let at = pending.indexOf("\n"); at >= 0; at = pending.indexOf("\n")) {
      const line = pending.slice(0, at);
      pending = pending.slice(at + 1);
      if (line.startsWith("{")) last = line;
      else console.log(line);
    }
  });
  response.on("end", () => {
    if (response.statusCode !== 200) {
      console.error(`refused (${response.statusCode}): ${text.trim()}`);
      process.exit(1);
    }
    const result = JSON.parse(last) as RolloutResult & { error?: string };
    if (result.error !== undefined) {
      console.error(`the rollout failed: ${result.error}`);
      process.exit(1);
    }
    console.log(result.outcome === "rolled out" ? `${service}: rolled out in ${result.seconds} s` : `${service}: rolled back in ${result.seconds} s — ${result.reason}`);
    process.exit(result.outcome === "rolled out" ? 0 : 1);
  });
});
request.on("error", (error: NodeJS.ErrnoException) => {
  console.error(error.code === "ENOENT" || error.code === "ECONNREFUSED" ? `npm start is not running (no control socket at ${socketPath})` : `cannot reach npm start at ${socketPath}: ${error.message}`);
  process.exit(1);
});
request.end(JSON.stringify({ service, env }));
