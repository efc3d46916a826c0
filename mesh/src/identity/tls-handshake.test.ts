import type { AddressInfo } from "node:net";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createCertificateAuthority, issueSvid, type CertificateAuthority, type IssuedCertificate } from "./local-ca.js";
import { spiffeIdFor, type SpiffeId } from "./spiffe-id.js";
import { verifySvid } from "./svid.js";

// Real handshakes through node:tls: the chain is checked by TLS, the identity by verifySvid.
let ca: CertificateAuthority;
let serverSvid: IssuedCertificate;
let clientSvid: IssuedCertificate;
let server: tls.Server;
let port: number;
const callers: SpiffeId[] = [];
const handshakeErrors: Error[] = [];

beforeAll(async () => {
  ca = await createCertificateAuthority({ commonName: "handshake test CA" });
  serverSvid = await issueSvid(ca, spiffeIdFor("combat"));
  clientSvid = await issueSvid(ca, spiffeIdFor("gateway"));
  server = tls.createServer(
    { cert: serverSvid.certPem, key: serverSvid.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true },
    (socket) => {
      const caller = verifySvid(socket.getPeerCertificate(), "chaos.world");
      callers.push(caller);
      socket.end(caller.uri);
    },
  );
  server.on("tlsClientError", (error) => handshakeErrors.push(error));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** Connects with `options` and resolves with what the server answered (the caller it saw) and the server's identity. */
function call(options: tls.ConnectionOptions): Promise<{ answer: string; server: SpiffeId }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, ...options });
    let answer = "";
    let serverId: SpiffeId | undefined;
    socket.on("secureConnect", () => (serverId = verifySvid(socket.getPeerCertificate(), "chaos.world")));
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
    // Under TLS 1.3 the client finishes its side first; a server that refuses the client's certificate then just closes.
    socket.on("end", () => (serverId === undefined || answer === "" ? reject(new Error("server closed without answering")) : resolve({ answer, server: serverId })));
    socket.on("error", reject);
  });
}

describe("mTLS with X.509-SVIDs", () => {
  it("lets the server learn the client's SPIFFE ID and the client the server's", async () => {
    const before = callers.length;
    const result = await call({ ca: ca.certPem, cert: clientSvid.certPem, key: clientSvid.keyPem });
    expect(result.answer).toBe("spiffe://chaos.world/ns/chaos/sa/gateway");
    expect(result.server).toEqual(spiffeIdFor("combat"));
    expect(callers.slice(before)).toEqual([spiffeIdFor("gateway")]);
  });

  it("verifies the server by hostname localhost as well as by 127.0.0.1", async () => {
    const result = await call({ ca: ca.certPem, cert: clientSvid.certPem, key: clientSvid.keyPem, servername: "localhost" });
    expect(result.server.serviceAccount).toBe("combat");
  });

  it("refuses, in the handshake, a client whose SVID comes from another CA", async () => {
    const impostorCa = await createCertificateAuthority({ commonName: "impostor" });
    const forged = await issueSvid(impostorCa, spiffeIdFor("gateway"));
    const before = callers.length;
    const errorsBefore = handshakeErrors.length;
    await expect(call({ ca: ca.certPem, cert: forged.certPem, key: forged.keyPem })).rejects.toThrow();
    expect(callers.length).toBe(before);
    // The server's own report is only "socket hang up" (the client leaves on the alert first); what matters is that it fired.
    await vi.waitFor(() => expect(handshakeErrors.length).toBe(errorsBefore + 1));
  });

  it("refuses, in the handshake, a client without a certificate", async () => {
    const before = callers.length;
    await expect(call({ ca: ca.certPem })).rejects.toThrow();
    expect(callers.length).toBe(before);
  });

  it("makes the client refuse a server it cannot chain to its trust bundle", async () => {
    const otherCa = await createCertificateAuthority({ commonName: "other" });
    await expect(call({ ca: otherCa.certPem, cert: clientSvid.certPem, key: clientSvid.keyPem })).rejects.toThrow(/unable to verify|self.signed|certificate/i);
  });
});
