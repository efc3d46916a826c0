/** The keyUsage bits an X.509-SVID check cares about (RFC 5280 §4.2.1.3). */
export interface KeyUsage {
  readonly digitalSignature: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
}

// 2.5.29.15, DER-encoded OID content.
const keyUsageOid = Buffer.from([0x55, 0x1d, 0x0f]);
const tag = { boolean: 0x01, bitString: 0x03, octetString: 0x04, oid: 0x06, sequence: 0x30, extensions: 0xa3 } as const;

/**
 * Reads the keyUsage extension of a DER certificate; `undefined` when it has
 * none. node:crypto's `X509Certificate.keyUsage` is, despite its name, the
 * *extended* key usage, and parsing the whole certificate with @peculiar/x509
 * costs about 2 ms — too much on every call — so this walks the few DER
 * elements on the way to the one extension. Throws on malformed DER.
 */
export function readKeyUsage(der: Uint8Array): KeyUsage | undefined {
  const certificate = element(der, 0, der.length, tag.sequence);
  const tbs = element(der, certificate.start, certificate.end, tag.sequence);
  for (let at = tbs.start; at < tbs.end; ) {
    const field = element(der, at, tbs.end);
    at = field.end;
    if (field.tag !== tag.extensions) continue;
    const extensions = element(der, field.start, field.end, tag.sequence);
    for (let next = extensions.start; next < extensions.end; ) {
      const extension = element(der, next, extensions.end, tag.sequence);
      next = extension.end;
      const oid = element(der, extension.start, extension.end, tag.oid);
      if (!keyUsageOid.equals(der.subarray(oid.start, oid.end))) continue;
      let value = element(der, oid.end, extension.end);
      if (value.tag === tag.boolean) value = element(der, value.end, extension.end);
      if (value.tag !== tag.octetString) throw new Error("malformed keyUsage extension");
      const bits = element(der, value.start, value.end, tag.bitString);
      // The first content byte counts unused trailing bits; named bits start at the most significant bit.
      const first = bits.end - bits.start > 1 ? der[bits.start + 1]! : 0;
      return { digitalSignature: (first & 0x80) !== 0, keyCertSign: (first & 0x04) !== 0, cRLSign: (first & 0x02) !== 0 };
    }
    return undefined;
  }
  return undefined;
}

interface Element {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

function element(der: Uint8Array, at: number, limit: number, expected?: number): Element {
  if (at + 2 > limit) throw new Error("truncated DER");
  const elementTag = der[at]!;
  if (expected !== undefined && elementTag !== expected) throw new Error(`unexpected DER tag 0x${elementTag.toString(16)}`);
  let length = der[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4 || start + octets > limit) throw new Error("unsupported DER length");
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[start + i]!;
    start += octets;
  }
  const end = start + length;
  if (end > limit) throw new Error("truncated DER");
  return { tag: elementTag, start, end };
}
