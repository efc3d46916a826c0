import { describe, expect, it } from "vitest";
import { Category } from "@chaos/gen/chaos/notification/v1/notification_pb.js";
import { renderEmail } from "./email-template.js";
import type { NotificationRecord } from "./records.js";

const notification: NotificationRecord = {
  notificationId: "n1",
  playerId: "p1",
  category: Category.TRADE,
  kind: "trade.offer_received",
  title: `<script>alert("x")</script> offers you a trade`,
  body: "They give 5 gold & ask for nothing.",
  link: "chaos://trades/t1",
  characterId: "c1",
  sourceEventId: "e1",
  inApp: true,
  readAt: undefined,
  createdAt: new Date(0),
};

describe("email template", () => {
  it("escapes what players wrote in the HTML, keeps it as is in the text, and links the unsubscribe page", () => {
    const email = renderEmail(notification, "https://chaos.world/unsubscribe?token=a.b");
    expect(email.subject).toBe(notification.title);
    expect(email.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; offers you a trade");
    expect(email.html).not.toContain("<script>");
    expect(email.html).toContain("5 gold &amp; ask");
    expect(email.html).toContain('<a href="https://chaos.world/unsubscribe?token=a.b">');
    expect(email.text).toContain(`<script>alert("x")</script> offers you a trade`);
    expect(email.text).toContain("No more emails from Chaos World: https://chaos.world/unsubscribe?token=a.b");
    expect(email.html).toContain("The market calls");
  });
});
