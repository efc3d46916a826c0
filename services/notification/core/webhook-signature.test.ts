import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhookSignature } from "./webhook-signature.js";

// Fixed example, computed independently with:
//   printf '%s' '1767225600.{"id":"evt_1"}' | openssl dgst -sha256 -hmac whsec_test_secret
const body = '{"id":"evt_1"}';
const t = 1767225600;
const current = "f6ef300ec2c3f1ea8e4bc6d2a62975f58477d6fcd4bd03529a148873f625b1ca";
const older = "573b45f7123d8cda5aed3e92ed994781607ec2bc056e6a2162e74367a5f432cc";

describe("webhook signatures (Chaos-Signature)", () => {
  it("signs with one v1= per active secret over '<t>.<raw body>'", () => {
    expect(signWebhook(body, ["whsec_test_secret"], t)).toBe(`t=${t},v1=${current}`);
    expect(signWebhook(body, ["whsec_test_secret", "whsec_older_secret"], t)).toBe(`t=${t},v1=${current},v1=${older}`);
  });

  it("verifies with any one of the secrets, within the tolerance", () => {
    const header = `t=${t},v1=${current},v1=${older}`;
    expect(verifyWebhookSignature(header, body, "whsec_test_secret", { nowSeconds: t + 10 })).toBeUndefined();
    expect(verifyWebhookSignature(header, body, "whsec_older_secret", { nowSeconds: t - 10 })).toBeUndefined();
    expect(verifyWebhookSignature(header, body, "whsec_test_secret", { nowSeconds: t + 301 })).toBe("outside_tolerance");
    expect(verifyWebhookSignature(header, body, "whsec_test_secret", { nowSeconds: t + 3_600, toleranceSeconds: 7_200 })).toBeUndefined();
  });

  it("refuses a changed body, another secret and malformed headers", () => {
    const header = `t=${t},v1=${current}`;
    expect(verifyWebhookSignature(header, '{"id":"evt_2"}', "whsec_test_secret", { nowSeconds: t })).toBe("no_matching_signature");
    expect(verifyWebhookSignature(header, body, "whsec_other", { nowSeconds: t })).toBe("no_matching_signature");
    // The timestamp is signed too: moving it breaks the signature.
    expect(verifyWebhookSignature(`t=${t + 1},v1=${current}`, body, "whsec_test_secret", { nowSeconds: t })).toBe("no_matching_signature");
    expect(verifyWebhookSignature(`v1=${current}`, body, "whsec_test_secret", { nowSeconds: t })).toBe("malformed");
    expect(verifyWebhookSignature(`t=${t}`, body, "whsec_test_secret", { nowSeconds: t })).toBe("malformed");
    expect(verifyWebhookSignature(`t=${t},t=${t},v1=${current}`, body, "whsec_test_secret", { nowSeconds: t })).toBe("malformed");
  });
});
