import { timestampDate } from "@bufbuild/protobuf/wkt";
import { afterAll, describe, expect, inject, it } from "vitest";
import { Category, DeliveryChannel, DeliveryState } from "@chaos/gen/chaos/notification/v1/notification_pb.js";
import { useStack } from "../../../scripts/test/stack.js";
import { eventually } from "../../../scripts/test/topic-events.js";
import { mailpit } from "./mailpit.js";
import { notificationWorld, type Hero } from "./notification-world.js";
import { startSmtpHoldProxy } from "./smtp-hold-proxy.js";
import { startWebhookReceiver } from "./webhook-receiver.js";

// Mail goes through a proxy that can hold back Mailpit's "250 accepted", so the
// notification process can be killed after its mail was taken and before it
// heard so (and recorded it).
const smtp = await startSmtpHoldProxy(new URL(inject("infra").smtpUrl));
const stack = useStack(["identity", "player", "notification"], {
  env: {
    CHAOS_NOTIFICATION_SMTP_URL: smtp.url,
    CHAOS_NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS: "1",
    // A killed process's attempt is looked at again 3 s after it was claimed.
    CHAOS_NOTIFICATION_DELIVERY_LEASE_SECONDS: "3",
    CHAOS_NOTIFICATION_RETRY_INITIAL_MS: "100",
    CHAOS_NOTIFICATION_RETRY_MAX_MS: "400",
  },
});
const world = notificationWorld(stack);
const notification = world.notification;
const mail = mailpit(inject("infra").mailpitUrl);
afterAll(() => smtp.close());

/** The player's one delivery on `channel`, once `accept` holds for it. */
async function deliveryOf(hero: Hero, channel: DeliveryChannel, accept: (state: DeliveryState) => boolean) {
  const deliveries = await eventually(
    () => notification().listDeliveries({}, hero.player.asPlayer).then((r) => r.deliveries.filter((d) => d.channel === channel)),
    (found) => found.length === 1 && accept(found[0]!.state),
    90_000,
  );
  return deliveries[0]!;
}

describe("deliveries are never sent twice, even when the sender dies between sending and recording (kill -9)", () => {
  it("email: Mailpit took the mail, notification was killed before it heard; after the restart it is not sent again, and is marked unconfirmed", async () => {
    const [alice, bob] = await Promise.all([world.hero(), world.hero()]);
    const accepted = smtp.holdNextAcceptance();
    await world.send([world.inviteSent(alice, bob, "Killed Mid Send")]);
    await accepted;
    const [sent] = await mail.waitFor(bob.player.email, 1);
    const claimed = await deliveryOf(bob, DeliveryChannel.EMAIL, (s) => s === DeliveryState.SENDING);
    expect(sent?.MessageID).toBe(`${claimed.deliveryId}@notification.chaos.world`);

    await stack.restart("notification", "SIGKILL");

    const after = await deliveryOf(bob, DeliveryChannel.EMAIL, (s) => s === DeliveryState.UNCONFIRMED);
    expect(after).toMatchObject({ deliveryId: claimed.deliveryId, attempts: 1 });
    expect(after.lastError).toContain("interrupted");
    // The run after the restart decided, and sent nothing: still the one mail.
    expect(await mail.to(bob.player.email)).toHaveLength(1);
    // The invite event itself, perhaps consumed again after the kill, made one notification.
    const { notifications } = await notification().listNotifications({}, bob.player.asPlayer);
    expect(notifications.filter((n) => n.kind === "guild.invite")).toHaveLength(1);

    // Replayed on purpose, it goes out again with the same Message-ID, so a mail client shows it once.
    await notification().replayDelivery({ deliveryId: claimed.deliveryId }, bob.player.asPlayer);
    await deliveryOf(bob, DeliveryChannel.EMAIL, (s) => s === DeliveryState.DELIVERED);
    const both = await mail.waitFor(bob.player.email, 2);
    expect(new Set(both.map((m) => m.MessageID))).toEqual(new Set([sent!.MessageID]));
  });

  it("an email deferred by quiet hours survives a kill -9 and goes out once, when they end", async () => {
    const [alice, bob] = await Promise.all([world.hero(), world.hero()]);
    // A window that ends at the next full minute, with 15 s to spare for the event to land inside it and the kill.
    if (new Date().getUTCSeconds() > 45) await new Promise((resolve) => setTimeout(resolve, (61 - new Date().getUTCSeconds()) * 1000));
    const now = new Date();
    const end = new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 60_000);
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    await notification().updatePreferences({ preferences: { timeZone: "UTC", quietHours: { start: hhmm(now), end: hhmm(end) } } }, bob.player.asPlayer);
    await world.send([world.inviteSent(alice, bob, "Dawn Patrol")]);
    const waiting = await deliveryOf(bob, DeliveryChannel.EMAIL, (s) => s === DeliveryState.PENDING);
    expect(timestampDate(waiting.dueTime!).getTime()).toBe(end.getTime());

    await stack.restart("notification", "SIGKILL");

    const sent = await deliveryOf(bob, DeliveryChannel.EMAIL, (s) => s === DeliveryState.DELIVERED);
    expect(timestampDate(sent.deliverTime!).getTime()).toBeGreaterThanOrEqual(end.getTime());
    const mails = await mail.waitFor(bob.player.email, 1);
    expect(mails.map((m) => m.MessageID)).toEqual([`${waiting.deliveryId}@notification.chaos.world`]);
  }, 120_000);

  it("webhook: the receiver got the request, notification was killed before the answer; after the restart it is not posted again", async () => {
    const receiver = await startWebhookReceiver();
    try {
      const [alice, bob] = await Promise.all([world.hero(), world.hero()]);
      const { secret } = await notification().registerWebhook({ url: receiver.url, categories: [Category.TRADE] }, bob.player.asPlayer);
      receiver.secrets.push(secret);
      // Bob keeps his mailbox out of it.
      await notification().updatePreferences({ preferences: { emailOptOut: true } }, bob.player.asPlayer);
      receiver.hold(true);
      await world.send([world.tradeProposed(alice, bob).event]);
      await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(1);
      expect(receiver.received[0]!.verified).toEqual([true]);

      await stack.restart("notification", "SIGKILL");
      receiver.release();

      const after = await deliveryOf(bob, DeliveryChannel.WEBHOOK, (s) => s === DeliveryState.UNCONFIRMED);
      expect(after).toMatchObject({ deliveryId: receiver.received[0]!.deliveryId, attempts: 1 });
      expect(receiver.received).toHaveLength(1);

      // After the incident an admin (the operator) finds the unconfirmed deliveries of every player and replays them;
      // the receiver gets the same delivery id again and can tell it has it.
      const { deliveries } = await notification().listDeliveries({ allPlayers: true, states: [DeliveryState.UNCONFIRMED] });
      expect(deliveries.map((d) => d.deliveryId)).toContain(after.deliveryId);
      receiver.hold(false);
      await notification().replayDelivery({ deliveryId: after.deliveryId });
      await deliveryOf(bob, DeliveryChannel.WEBHOOK, (s) => s === DeliveryState.DELIVERED);
      expect(receiver.received.map((r) => r.deliveryId)).toEqual([after.deliveryId, after.deliveryId]);
    } finally {
      await receiver.close();
    }
  });
});
