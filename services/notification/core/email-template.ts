import { Category } from "@chaos/gen/chaos/notification/v1/notification_pb.js";
import type { NotificationRecord } from "./records.js";

/** An email ready to send. */
export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Each category's voice: a heading over the message and a line under it. */
const layouts: Record<Category, { readonly heading: string; readonly footer: string }> = {
  [Category.UNSPECIFIED]: { heading: "Chaos World", footer: "" },
  [Category.PROGRESSION]: { heading: "A step forward", footer: "Keep going: the next level is closer than it looks." },
  [Category.COMBAT]: { heading: "News from the battlefield", footer: "Your character waits for you to return." },
  [Category.TRADE]: { heading: "The market calls", footer: "Offers do not stand forever: answer it in the Trade tab." },
  [Category.GUILD]: { heading: "Your guild", footer: "Guild invitations expire on their own." },
  [Category.MATCHMAKING]: { heading: "A match is ready", footer: "Join before the match starts without you." },
  [Category.BILLING]: { heading: "Your receipt", footer: "Keep this email for your records." },
  [Category.ACCOUNT]: { heading: "Your account", footer: "Think this is a mistake? Appeal in the console's fair-play panel." },
};

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/**
 * The email of a notification: subject, plain text and HTML in the layout of
 * its category, with the unsubscribe link. Every value from the game (names
 * players chose, titles) is escaped in the HTML.
 */
export function renderEmail(notification: NotificationRecord, unsubscribeLink: string): RenderedEmail {
  const layout = layouts[notification.category] ?? layouts[Category.UNSPECIFIED];
  const text = [layout.heading, "", notification.title, "", notification.body, "", `Open in the game: ${notification.link}`, "", layout.footer, "", "—", `No more emails from Chaos World: ${unsubscribeLink}`].join("\n");
  const html = `<!doctype html>
<html><body style="font-family: sans-serif">
<h2>${escapeHtml(layout.heading)}</h2>
<p><strong>${escapeHtml(notification.title)}</strong></p>
<p>${escapeHtml(notification.body)}</p>
<p><a href="${escapeHtml(notification.link)}">Open in the game</a></p>
<p>${escapeHtml(layout.footer)}</p>
<hr><p style="font-size: small"><a href="${escapeHtml(unsubscribeLink)}">Unsubscribe from Chaos World emails</a></p>
</body></html>`;
  return { subject: notification.title, text, html };
}
