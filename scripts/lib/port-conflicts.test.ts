import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { busyPorts, portConflictMessage, registryPortClaims } from "./port-conflicts.js";

const servers: net.Server[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A real listener on a port the OS picks. */
async function listen(): Promise<number> {
  const server = net.createServer((socket) => socket.destroy());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as net.AddressInfo).port;
}

/** A port nothing listens on (taken from the OS, then let go). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

function registry(services: Record<string, Record<string, string>>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-ports-"));
  dirs.push(dir);
  const file = path.join(dir, "registry.json");
  fs.writeFileSync(file, JSON.stringify({ services }));
  return file;
}

describe("port conflicts before npm start spawns services", () => {
  it("names each busy port and the service and face the registry gives it", async () => {
    const [held, free, otherFree, heldToo] = [await listen(), await closedPort(), await closedPort(), await listen()];
    const file = registry({
      alpha: { internal: `127.0.0.1:${held}`, admin: `127.0.0.1:${free}` },
      beta: { internal: `127.0.0.1:${otherFree}`, edge: `127.0.0.1:${heldToo}` },
    });
    const busy = await busyPorts(registryPortClaims(file, ["alpha", "beta"]));
    expect(busy).toEqual([
      { port: held, owner: "alpha's internal port" },
      { port: heldToo, owner: "beta's edge port" },
    ]);
    const message = portConflictMessage(busy, file);
    expect(message).toContain(`port ${held} (alpha's internal port)`);
    expect(message).toContain(`port ${heldToo} (beta's edge port)`);
    expect(message).toContain(file);
  });

  it("finds nothing when every port is free, and only looks at the services being started", async () => {
    const held = await listen();
    const file = registry({
      alpha: { internal: `127.0.0.1:${await closedPort()}`, edge: `127.0.0.1:${await closedPort()}`, edgeHttp1: `127.0.0.1:${await closedPort()}`, admin: `127.0.0.1:${await closedPort()}` },
      notStarted: { internal: `127.0.0.1:${held}` },
    });
    expect(await busyPorts(registryPortClaims(file, ["alpha"]))).toEqual([]);
  });

  it("checks extra claims such as the web console's port", async () => {
    const held = await listen();
    expect(await busyPorts([{ port: held, owner: "the web console (CHAOS_CONSOLE_PORT)" }])).toEqual([{ port: held, owner: "the web console (CHAOS_CONSOLE_PORT)" }]);
  });
});
