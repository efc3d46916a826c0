import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The token of an email's unsubscribe link: the account id and an
 * HMAC-SHA256 of it under the service's own key, base64url. It needs no login
 * (a link in a mail must work on its own) and does one thing: turns that
 * account's email off. It does not expire, as the links in old mails must keep working.
 */
export interface UnsubscribeTokens {
  issue(accountId: string): string;
  /** The account id of a valid token, or undefined. */
  verify(token: string): string | undefined;
}

const purpose = "chaos.notification.unsubscribe.v1";

export function createUnsubscribeTokens(key: Buffer): UnsubscribeTokens {
  const mac = (accountId: string) => createHmac("sha256", key).update(`${purpose}:${accountId}`).digest();
  return {
    issue(accountId) {
      return `${Buffer.from(accountId, "utf8").toString("base64url")}.${mac(accountId).toString("base64url")}`;
    },
    verify(token) {
      const [encodedAccount, encodedMac, ...rest] = token.split(".");
      if (encodedAccount === undefined || encodedMac === undefined || rest.length > 0) return undefined;
      const accountId = Buffer.from(encodedAccount, "base64url").toString("utf8");
      const given = Buffer.from(encodedMac, "base64url");
      const expected = mac(accountId);
      if (accountId === "" || given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      return accountId;
    },
  };
}
