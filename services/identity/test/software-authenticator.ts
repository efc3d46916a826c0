import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { isoCBOR } from "@simplewebauthn/server/helpers";

/**
 * A WebAuthn authenticator in software, for service tests without a browser
 * (the console's e2e uses Chromium's virtual authenticator instead): it
 * makes ES256 passkeys with "none" attestation and signs assertions exactly
 * as an authenticator would, for whatever origin it is told the page has,
 * so a test can play a phishing site as well as the real one.
 */
export interface SoftwareAuthenticator {
  /** navigator.credentials.create: the RegistrationResponseJSON for `optionsJson`, as signed on `origin`. */
  register(optionsJson: string, origin: string): string;
  /** navigator.credentials.get: the AuthenticationResponseJSON for `optionsJson` with the passkey made last. */
  authenticate(optionsJson: string, origin: string, tamper?: { readonly signCount?: number }): string;
}

const b64url = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString("base64url");
const sha256 = (data: Uint8Array | Buffer | string) => createHash("sha256").update(data).digest();

// Authenticator data flags: user present, user verified, attested credential data.
const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

interface Credential {
  readonly id: Buffer;
  readonly privateKey: KeyObject;
  readonly userHandle: string;
  signCount: number;
}

export function createSoftwareAuthenticator(): SoftwareAuthenticator {
  let credential: Credential | undefined;

  const clientData = (type: string, challenge: string, origin: string) => Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), "utf8");
  const counter = (n: number) => {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(n);
    return bytes;
  };

  return {
    register(optionsJson, origin) {
      const options = JSON.parse(optionsJson) as { challenge: string; rp: { id: string }; user: { id: string } };
      const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const jwk = publicKey.export({ format: "jwk" });
      // COSE_Key of an EC2 P-256 key for ES256 (RFC 9053): kty 2, alg -7, crv 1, x, y.
      const coseKey = isoCBOR.encode(
        new Map<number, number | Uint8Array>([
          [1, 2],
          [3, -7],
          [-1, 1],
          [-2, new Uint8Array(Buffer.from(jwk.x!, "base64url"))],
          [-3, new Uint8Array(Buffer.from(jwk.y!, "base64url"))],
        ]),
      );
      const id = randomBytes(32);
      credential = { id, privateKey, userHandle: options.user.id, signCount: 0 };
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(id.length);
      const authData = Buffer.concat([sha256(options.rp.id), Buffer.from([UP | UV | AT]), counter(0), Buffer.alloc(16), idLength, id, Buffer.from(coseKey)]);
      const attestationObject = isoCBOR.encode(new Map<string, string | Map<number, number> | Uint8Array>([["fmt", "none"], ["attStmt", new Map<number, number>()], ["authData", new Uint8Array(authData)]]));
      return JSON.stringify({
        id: b64url(id),
        rawId: b64url(id),
        type: "public-key",
        response: { clientDataJSON: b64url(clientData("webauthn.create", options.challenge, origin)), attestationObject: b64url(attestationObject), transports: ["internal"] },
        clientExtensionResults: {},
        authenticatorAttachment: "platform",
      });
    },

    authenticate(optionsJson, origin, tamper = {}) {
      if (credential === undefined) throw new Error("the software authenticator holds no passkey: register first");
      const options = JSON.parse(optionsJson) as { challenge: string; rpId: string };
      credential.signCount += 1;
      const authData = Buffer.concat([sha256(options.rpId), Buffer.from([UP | UV]), counter(tamper.signCount ?? credential.signCount)]);
      const data = clientData("webauthn.get", options.challenge, origin);
      // ES256 signatures are DER-encoded in WebAuthn, which is what Node's sign() gives for an EC key.
      const signature = sign("sha256", Buffer.concat([authData, sha256(data)]), credential.privateKey);
      return JSON.stringify({
        id: b64url(credential.id),
        rawId: b64url(credential.id),
        type: "public-key",
        response: { clientDataJSON: b64url(data), authenticatorData: b64url(authData), signature: b64url(signature), userHandle: credential.userHandle },
        clientExtensionResults: {},
        authenticatorAttachment: "platform",
      });
    },
  };
}
