import type { PeerCertificate } from "node:tls";
import * as grpc from "@grpc/grpc-js";
import { verifySvid } from "./identity/index.js";

/** Files of one workload's X.509-SVID and the trust bundle. */
export interface SvidFiles {
  readonly cert: string;
  readonly key: string;
  readonly bundle: string;
}

/**
 * grpc-js re-reads these files every `refreshIntervalMs`, so a rotated SVID
 * (or trust bundle) is used for new connections without a restart. Default
 * refresh: 60 s; SVIDs are renewed hours before they expire.
 */
function watch(files: SvidFiles, refreshIntervalMs: number): grpc.experimental.CertificateProvider {
  return new grpc.experimental.FileWatcherCertificateProvider({
    certificateFile: files.cert,
    privateKeyFile: files.key,
    caCertificateFile: files.bundle,
    refreshIntervalMs,
  });
}

/**
 * Resolves once the provider has read the SVID and bundle: the files are
 * read asynchronously, and a server that listens before that refuses its
 * first handshakes (measured: UNAVAILABLE on the first call).
 */
function loaded(provider: grpc.experimental.CertificateProvider, files: SvidFiles): Promise<void> {
  return new Promise((resolve, reject) => {
    let identity = false;
    let ca = false;
    const timer = setTimeout(() => reject(new Error(`SVID files not readable within 10 s: ${files.cert}, ${files.key}, ${files.bundle}`)), 10_000);
    const done = () => {
      if (!identity || !ca) return;
      clearTimeout(timer);
      provider.removeIdentityCertificateListener(onIdentity);
      provider.removeCaCertificateListener(onCa);
      resolve();
    };
    const onIdentity = (update: unknown) => ((identity = update !== null), done());
    const onCa = (update: unknown) => ((ca = update !== null), done());
    provider.addIdentityCertificateListener(onIdentity);
    provider.addCaCertificateListener(onCa);
  });
}

/** Credentials plus the moment they can be used. */
export interface LoadingCredentials<C> {
  readonly credentials: C;
  readonly ready: Promise<void>;
}

/** Server side of native mTLS: a client certificate chaining to the bundle is required. */
export function createSvidServerCredentials(files: SvidFiles, refreshIntervalMs = 60_000): LoadingCredentials<grpc.ServerCredentials> {
  const provider = watch(files, refreshIntervalMs);
  const ready = loaded(provider, files);
  return { credentials: grpc.experimental.createCertificateProviderServerCredentials(provider, provider, true), ready };
}

/**
 * Client side of native mTLS: presents our SVID and accepts the server only
 * when its certificate is a valid SVID of `expectedService` in our trust
 * domain — the SPIFFE way of checking a server's identity, instead of
 * hostnames.
 */
export function createSvidChannelCredentials(
  files: SvidFiles,
  expectedService: string,
  trustDomain: string,
  refreshIntervalMs = 60_000,
): LoadingCredentials<grpc.ChannelCredentials> {
  const provider = watch(files, refreshIntervalMs);
  const ready = loaded(provider, files);
  const credentials = grpc.experimental.createCertificateProviderChannelCredentials(provider, provider, {
    checkServerIdentity: (_host: string, certificate: PeerCertificate) => {
      try {
        const id = verifySvid(certificate, trustDomain);
        if (id.serviceAccount !== expectedService) {
          return new Error(`server presented ${id.uri}, expected service "${expectedService}"`);
        }
        return undefined;
      } catch (error) {
        return error as Error;
      }
    },
  });
  return { credentials, ready };
}
