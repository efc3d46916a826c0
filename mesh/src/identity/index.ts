export { spiffeIdFor, parseSpiffeId, defaultTrustDomain, defaultNamespace, type SpiffeId } from "./spiffe-id.js";
export { SvidError, type SvidErrorReason } from "./svid-error.js";
export { verifySvid, uriSans } from "./svid.js";
export { createCertificateAuthority, issueCertificate, issueSvid, type CertificateAuthority, type CertificateOptions, type IssuedCertificate } from "./local-ca.js";
export { ensureLocalPki, rotateSvid, type LocalPki, type LocalPkiOptions } from "./local-pki.js";
export { parseXfcc, callerFromXfcc, type XfccElement } from "./xfcc.js";
