import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { startFaultProxy } from "./fault-proxy.js";

// An echo server on loopback: what goes through the proxy comes back through it.
const echo = net.createServer((socket) => socket.on("error", () => undefined).pipe(socket));
await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
const proxy = await startFaultProxy(() => ({ host: "127.0.0.1", port: (echo.address() as net.AddressInfo).port }));
afterAll(async () => {
  await proxy.close();
  await new Promise((resolve) => echo.close(resolve));
});

/** A connection through the proxy that collects what comes back, and how it ended. */
async function connect() {
  const socket = net.connect(proxy.port, "127.0.0.1");
  let received = "";
  let failure: string | undefined;
  socket.on("data", (chunk) => (received += chunk.toString()));
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.on("error", (error: NodeJS.ErrnoException) => (failure = error.code));
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  return { socket, closed, received: () => received, failure: () => failure };
}

const until = async (check: () => boolean, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe("fault proxy", () => {
  it("holds bytes for the latency it is given, and keeps their order when the latency drops", async () => {
    const c = await connect();
    proxy.setLatency(150);
    const sentAt = Date.now();
    c.socket.write("a");
    // The latency counts from a chunk's arrival at the proxy: let "a" arrive first.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(c.received()).toBe("");
    proxy.setLatency(0);
    c.socket.write("b");
    await until(() => c.received() === "ab");
    // "a" was held 150 ms on its way out; "b", sent after the latency went back to 0, waited behind it.
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(150);
    c.socket.destroy();
  });

  it("resets open connections on a drop while new ones still get through, and refuses them while cut", async () => {
    const c = await connect();
    c.socket.write("x");
    await until(() => c.received() === "x");
    proxy.drop();
    await c.closed;
    expect(c.failure()).toBe("ECONNRESET");

    const again = await connect();
    again.socket.write("y");
    await until(() => again.received() === "y");

    proxy.cut();
    await again.closed;
    const refused = await connect().then((r) => r.closed.then(() => r.failure()), (error: NodeJS.ErrnoException) => error.code);
    expect(refused).toBe("ECONNRESET");
    proxy.restore();
    const restored = await connect();
    restored.socket.write("z");
    await until(() => restored.received() === "z");
    restored.socket.destroy();
  });
});
