import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { computeSignature, signatureHeader, SignatureRefused, verifySignature } from "./webhook-signature.js";

/*
 * Stripe publishes the algorithm (docs: "Verify webhook signatures manually")
 * but no test vector with its secret: the example header in its docs
 * (t=1492774577,v1=5257a8…) comes without the secret that signed it. So the
 * expected values here are computed independently, straight from the
 * documented recipe with node:crypto: HMAC-SHA256(secret, "<t>.<payload>") as hex.
 */
const secret = "whsec_test_secret";
const timestamp = 1492774577;
const payload = Buffer.from('{\n  "id": "evt_test_webhook",\n  "object": "event"\n}');
const documented = createHmac("sha256", secret).update(`${timestamp}.${payload.toString("utf8")}`).digest("hex");
const keys = { secrets: [secret], toleranceSeconds: 300 };

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof SignatureRefused) return error.refusal;
    throw error;
  }
  return "accepted";
};

describe("the Stripe-shaped webhook signature", () => {
  it("is the documented HMAC-SHA256 of '<t>.<raw body>'", () => {
    expect(computeSignature(timestamp, payload, secret)).toBe(documented);
    expect(signatureHeader(timestamp, payload, [secret])).toBe(`t=${timestamp},v1=${documented}`);
  });

  it("accepts a matching v1 within the tolerance, ignoring other schemes and extra signatures", () => {
    expect(verifySignature(payload, `t=${timestamp},v1=${documented}`, keys, timestamp + 300)).toBe(timestamp);
    expect(verifySignature(payload, `t=${timestamp},v0=${"0".repeat(64)},v1=${"a".repeat(64)},v1=${documented}`, keys, timestamp - 10)).toBe(timestamp);
  });

  it("accepts any configured secret during a rotation", () => {
    const header = signatureHeader(timestamp, payload, ["whsec_new"]);
    expect(refusal(() => verifySignature(payload, header, keys, timestamp))).toBe("mismatch");
    expect(verifySignature(payload, header, { secrets: [secret, "whsec_new"], toleranceSeconds: 300 }, timestamp)).toBe(timestamp);
  });

  it("refuses an altered body, a wrong secret, a stale or future timestamp, and a header without t or v1", () => {
    const header = `t=${timestamp},v1=${documented}`;
    const altered = Buffer.from(payload.toString("utf8").replace("evt_test_webhook", "evt_test_webhooK"));
    expect(refusal(() => verifySignature(altered, header, keys, timestamp))).toBe("mismatch");
    // A re-serialised body (same JSON, other bytes) is another body.
    expect(refusal(() => verifySignature(Buffer.from(JSON.stringify(JSON.parse(payload.toString("utf8")))), header, keys, timestamp))).toBe("mismatch");
    expect(refusal(() => verifySignature(payload, signatureHeader(timestamp, payload, ["whsec_other"]), keys, timestamp))).toBe("mismatch");
    // The timestamp is signed too: moving it breaks the signature.
    expect(refusal(() => verifySignature(payload, `t=${timestamp + 1},v1=${documented}`, keys, timestamp))).toBe("mismatch");
    expect(refusal(() => verifySignature(payload, header, keys, timestamp + 301))).toBe("timestamp_outside_tolerance");
    expect(refusal(() => verifySignature(payload, header, keys, timestamp - 301))).toBe("timestamp_outside_tolerance");
    expect(refusal(() => verifySignature(payload, `v1=${documented}`, keys, timestamp))).toBe("missing");
    expect(refusal(() => verifySignature(payload, `t=${timestamp}`, keys, timestamp))).toBe("missing");
    expect(refusal(() => verifySignature(payload, "", keys, timestamp))).toBe("missing");
  });
});
