// Workload identity: SPIFFE IDs, X.509-SVID checks, the local CA and PKI directory, and Envoy's XFCC header.
export { spiffeIdFor, parseSpiffeId, defaultTrustDomain, defaultNamespace, type SpiffeId } from "./spiffe-id.js";
export { SvidError, type SvidErrorReason } from "./svid-error.js";
export { verifySvid, uriSans, type CertificateInput } from "./svid.js";
export {
  createCertificateAuthority,
  issueCertificate,
  issueSvid,
  type CertificateAuthority,
  type CertificateAuthorityOptions,
  type CertificateOptions,
  type IssuedCertificate,
  type SvidOptions,
} from "./local-ca.js";
export { ensureLocalPki, rotateSvid, type LocalPki, type LocalPkiOptions, type SvidPaths } from "./local-pki.js";
export { parseXfcc, callerFromXfcc, type XfccElement } from "./xfcc.js";
