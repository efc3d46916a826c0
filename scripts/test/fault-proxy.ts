import net from "node:net";

/** A TCP proxy in front of a real server that a test can cut off: a network fault, not a stand-in. */
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
  close(): Promise<void>;
}

/**
 * Starts a proxy to `target` (host:port). Bytes pass unchanged both ways; a
 * cut resets both sides, so the client sees ECONNRESET or an unexpectedly
 * terminated connection exactly as when a link or a server drops.
 */
export async function startFaultProxy(target: { readonly host: string; readonly port: number }): Promise<FaultProxy> {
  const open = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    open.add(client).add(upstream);
    const end = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    cut() {
      down = true;
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
