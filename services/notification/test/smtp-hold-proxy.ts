import net from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A TCP proxy in front of the real SMTP server that can stop the sender
 * between the send and its record: once armed, the server's answers after the
 * end of a message's DATA (the "250 queued" that tells the sender its mail
 * was accepted) are held back. The server has the mail by then; the sender
 * waits for the reply, and the test kills it meanwhile.
 */
export async function startSmtpHoldProxy(upstream: URL) {
  let armed = false;
  let onHeld: (() => void) | undefined;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const server = net.connect({ host: upstream.hostname, port: Number(upstream.port) });
    sockets.add(client).add(server);
    let holding = false;
    let clientTail = "";
    client.on("data", (chunk: Buffer) => {
      // The end of DATA is <CRLF>.<CRLF>, perhaps split across chunks.
      clientTail = (clientTail + chunk.toString("latin1")).slice(-5);
      if (armed && clientTail === "\r\n.\r\n") {
        holding = true;
        armed = false;
      }
      server.write(chunk);
    });
    server.on("data", (chunk: Buffer) => {
      if (holding) {
        onHeld?.();
        return;
      }
      client.write(chunk);
    });
    const close = () => {
      client.destroy();
      server.destroy();
      sockets.delete(client);
      sockets.delete(server);
    };
    client.on("error", close).on("close", close);
    server.on("error", close).on("close", close);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    /** Holds the answer to the next message; resolves once the server has accepted it (and its answer is held). */
    holdNextAcceptance(): Promise<void> {
      armed = true;
      return new Promise<void>((resolve) => (onHeld = resolve));
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
