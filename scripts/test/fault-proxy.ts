import net from "node:net";

/** A TCP proxy in front of a real server that a test can cut off, slow down or drop: a network fault, not a stand-in. */
export interface FaultProxy {
  /** The proxy's port on 127.0.0.1: point the client here instead of at the server. */
  readonly port: number;
  /**
   * Cuts every connection through the proxy at once (a reset, as a dropped
   * network gives) and refuses new ones the same way until `restore`.
   */
  cut(): void;
  /** Lets connections through again. */
  restore(): void;
  /**
   * Resets every connection open through the proxy now, as a link that drops
   * does, while new connections still get through (the client reconnects).
   */
  drop(): void;
  /**
   * From now on, holds every byte this long in each direction before passing
   * it on (a slow or distant link); 0 passes bytes at once again. Bytes keep
   * their order whatever the latency was when they arrived.
   */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

/** Where a proxy forwards to: fixed, or asked at each new connection (a server whose port is known only later). */
export type ProxyTarget = { readonly host: string; readonly port: number } | (() => { readonly host: string; readonly port: number });

/**
 * Starts a proxy to `target`. Bytes pass unchanged both ways; a cut or a drop
 * resets both sides, so the client sees ECONNRESET or an unexpectedly
 * terminated connection exactly as when a link or a server drops.
 */
export async function startFaultProxy(target: ProxyTarget): Promise<FaultProxy> {
  const open = new Set<net.Socket>();
  let down = false;
  let latencyMs = 0;
  const server = net.createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const { host, port } = typeof target === "function" ? target() : target;
    const upstream = net.connect(port, host);
    open.add(client).add(upstream);
    const end = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    forward(client, upstream, () => latencyMs);
    forward(upstream, client, () => latencyMs);
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const resetAll = () => {
    for (const socket of open) socket.resetAndDestroy();
    open.clear();
  };
  return {
    port,
    cut() {
      down = true;
      resetAll();
    },
    restore() {
      down = false;
    },
    drop: resetAll,
    setLatency(ms) {
      if (!(ms >= 0)) throw new Error(`latency must be >= 0 ms, got ${ms}`);
      latencyMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Passes `from`'s bytes (and its end) to `to`, each held `latency()` ms after
 * it arrived. One queue per direction with one timer at its head, so a chunk
 * never overtakes an earlier one when the latency drops. No backpressure: the
 * tests' traffic is small and bounded.
 */
function forward(from: net.Socket, to: net.Socket, latency: () => number): void {
  const queue: { readonly at: number; readonly chunk: Buffer | undefined }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const pump = () => {
    timer = undefined;
    while (queue.length > 0 && queue[0]!.at <= Date.now()) {
      const { chunk } = queue.shift()!;
      if (to.destroyed) return;
      if (chunk === undefined) to.end();
      else to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(pump, queue[0]!.at - Date.now());
  };
  const push = (chunk: Buffer | undefined) => {
    // Never before the chunk ahead of it.
    queue.push({ at: Math.max(Date.now() + latency(), queue.at(-1)?.at ?? 0), chunk });
    if (timer === undefined) pump();
  };
  from.on("data", (chunk: Buffer) => push(chunk));
  from.on("end", () => push(undefined));
  to.on("close", () => {
    if (timer !== undefined) clearTimeout(timer);
    queue.length = 0;
  });
}
