import { timestampDate } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { GatewayService, type StreamPlayerEventsResponse } from "@chaos/gen/chaos/gateway/v1/gateway_service_pb.js";
import { file_chaos_notification_v1_events } from "@chaos/gen/chaos/notification/v1/events_pb.js";
import { Category, DeliveryChannel, DeliveryState, WebhookScope } from "@chaos/gen/chaos/notification/v1/notification_pb.js";
import { NotificationService } from "@chaos/gen/chaos/notification/v1/notification_service_pb.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { metricOf } from "../../../scripts/test/metrics.js";
import { useStack } from "../../../scripts/test/stack.js";
import { eventually, followTopic, type FollowedTopic } from "../../../scripts/test/topic-events.js";
import { mailpit } from "./mailpit.js";
import { notificationWorld, type Hero } from "./notification-world.js";
import { startWebhookReceiver } from "./webhook-receiver.js";

const maxAttempts = 4;
const maxWebhooks = 3;
const stack = useStack(["identity", "player", "notification", "gateway"], {
  env: {
    CHAOS_NOTIFICATION_SMTP_URL: inject("infra").smtpUrl,
    CHAOS_NOTIFICATION_UNSUBSCRIBE_URL: "https://play.chaos.test/unsubscribe",
    CHAOS_NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS: "1",
    // Retries within a test's patience: 100 ms, 200 ms, 400 ms (with jitter), then dead-lettered.
    CHAOS_NOTIFICATION_RETRY_INITIAL_MS: "100",
    CHAOS_NOTIFICATION_RETRY_MAX_MS: "400",
    CHAOS_NOTIFICATION_MAX_ATTEMPTS: String(maxAttempts),
    CHAOS_NOTIFICATION_MAX_WEBHOOKS: String(maxWebhooks),
  },
});
const world = notificationWorld(stack);
const notification = world.notification;
const mail = mailpit(inject("infra").mailpitUrl);
const edge = () => createConnectTransport({ baseUrl: stack.gateway.http1, httpVersion: "1.1" });
const edgeNotifications = () => createClient(NotificationService, edge());

/** The player's in-app notifications of `kind`, once there are `count` of them. */
async function centre(hero: Hero, kind: string, count = 1) {
  const page = await eventually(
    () => notification().listNotifications({}, hero.player.asPlayer),
    (r) => r.notifications.filter((n) => n.kind === kind).length >= count,
  );
  return { ...page, ofKind: page.notifications.filter((n) => n.kind === kind) };
}

/** The deliveries of a notification, once `accept` holds. */
function deliveriesOf(hero: Hero, notificationId: string, accept: (states: DeliveryState[]) => boolean, scope = WebhookScope.PLAYER) {
  return eventually(
    () => notification().listDeliveries({ notificationId, scope }, scope === WebhookScope.STUDIO ? {} : hero.player.asPlayer).then((r) => r.deliveries),
    (deliveries) => accept(deliveries.map((d) => d.state)),
  );
}

let events: FollowedTopic;

describe("notification (real processes: identity, player, notification, gateway; Mailpit over SMTP)", () => {
  beforeAll(async () => {
    events = await followTopic(inject("infra").kafka, world.topic("notification", "notifications"), [file_chaos_notification_v1_events]);
  });
  afterAll(() => events?.stop());

  it("a trade offer reaches the counterparty in-app (centre and live feed) and by email, once, however often the event is delivered", async () => {
    const [alice, bob] = await Promise.all([world.hero(), world.hero()]);
    const aborter = new AbortController();
    const feed: StreamPlayerEventsResponse[] = [];
    const stream = createClient(GatewayService, edge()).streamPlayerEvents({}, { headers: { authorization: `Bearer ${bob.player.accessToken}` }, signal: aborter.signal });
    const reading = (async () => {
      for await (const item of stream) feed.push(item);
    })().catch(() => undefined);
    // The live feed sends only what happens after the gateway registered the stream, which a client cannot see
    // before a first item: the gateway's open-stream gauge says when.
    await expect.poll(() => metricOf(stack.ports.gateway!.admin, "chaos_gateway_feed_streams"), { timeout: 10_000 }).toBeGreaterThan(0);

    const offer = world.tradeProposed(alice, bob, 25n);
    await world.send([offer.event]);

    const { ofKind, unreadCount } = await centre(bob, "trade.offer_received");
    const [received] = ofKind;
    expect(received).toMatchObject({
      playerId: bob.player.accountId,
      category: Category.TRADE,
      title: `${alice.name} offers ${bob.name} a trade`,
      body: "They give 25 gold and ask for nothing.",
      link: `chaos://trades/${offer.tradeId}`,
      characterId: bob.characterId,
      read: false,
    });
    expect(unreadCount).toBe(1);

    await expect.poll(() => feed.some((f) => f.item.case === "notification"), { timeout: 10_000 }).toBe(true);
    const item = feed.find((f) => f.item.case === "notification")!.item;
    expect(item.value).toMatchObject({ notificationId: received!.notificationId, kind: "trade.offer_received", category: "CATEGORY_TRADE", characterId: bob.characterId });
    aborter.abort();
    await reading;

    const [email] = await mail.waitFor(bob.player.email, 1);
    const [delivery] = await deliveriesOf(bob, received!.notificationId, (s) => s.includes(DeliveryState.DELIVERED));
    expect(delivery).toMatchObject({ channel: DeliveryChannel.EMAIL, state: DeliveryState.DELIVERED, attempts: 1 });
    expect(email).toMatchObject({ Subject: received!.title, MessageID: `${delivery!.deliveryId}@notification.chaos.world` });
    const whole = await mail.message(email!.ID);
    expect(whole.Text).toContain("They give 25 gold and ask for nothing.");
    expect(whole.HTML).toContain(`<a href="chaos://trades/${offer.tradeId}">`);
    expect(whole.Text).toMatch(/https:\/\/play\.chaos\.test\/unsubscribe\?token=\S+/);
    expect((await mail.headers(email!.ID))["List-Unsubscribe"]?.[0]).toMatch(/^<https:\/\/play\.chaos\.test\/unsubscribe\?token=/);

    // The broker delivers the same event again (same ce_id); then the settlement, on the same partition, after it.
    await world.send([offer.event, world.tradeSettled(alice, bob, offer.tradeId)]);
    await centre(bob, "trade.settled");
    await centre(alice, "trade.settled");
    expect((await centre(bob, "trade.offer_received")).ofKind).toHaveLength(1);
    // Both settled mails arrive (bob's second mail); the offer's is still the only one of its subject.
    const bobsMails = await mail.waitFor(bob.player.email, 2);
    expect(bobsMails.filter((m) => m.Subject === received!.title)).toHaveLength(1);
    expect(bobsMails).toHaveLength(2);

    const read = await notification().markNotificationsRead({ notificationIds: [received!.notificationId] }, bob.player.asPlayer);
    expect(read).toMatchObject({ updatedCount: 1, unreadCount: 1 });
    const unread = await notification().listNotifications({ unreadOnly: true }, bob.player.asPlayer);
    expect(unread.notifications.map((n) => n.kind)).toEqual(["trade.settled"]);
    // Another player's notification cannot be marked by bob.
    const alices = (await centre(alice, "trade.settled")).ofKind[0]!;
    expect(await notification().markNotificationsRead({ notificationIds: [alices.notificationId] }, bob.player.asPlayer)).toMatchObject({ updatedCount: 0 });

    await expect.poll(() => events.events.filter((e) => e.subject === bob.player.accountId).map((e) => e.type), { timeout: 10_000 }).toEqual(
      expect.arrayContaining(["chaos.notification.v1.NotificationCreated", "chaos.notification.v1.NotificationDelivered"]),
    );

    // An offer from long ago (a new deployment reading the topic from its beginning) makes nothing; a fresh one after it, on its partition, does.
    const old = world.tradeProposed(alice, bob, 1n);
    const fresh = world.tradeProposed(alice, bob, 2n);
    const lastYear = new Date(Date.now() - 365 * 86_400_000).toISOString();
    await world.send([{ ...old.event, headers: { ...old.event.headers, ce_time: lastYear } }, { ...fresh.event, key: old.event.key }]);
    const offers = (await centre(bob, "trade.offer_received", 2)).ofKind;
    expect(offers.map((o) => o.body)).toEqual(["They give 2 gold and ask for nothing.", "They give 25 gold and ask for nothing."]);
    expect(await mail.waitFor(bob.player.email, 3)).toHaveLength(3);
  });

  it("the unsubscribe link works without a login through the gateway and stops every email, while in-app notifications go on", async () => {
    const [alice, bob] = await Promise.all([world.hero(), world.hero()]);
    await world.send([world.inviteSent(alice, bob, "Unsubscribers")]);
    const [first] = await mail.waitFor(bob.player.email, 1);
    const token = /unsubscribe\?token=(\S+)/.exec((await mail.message(first!.ID)).Text)![1]!;

    expect(await refusalOf(edgeNotifications().unsubscribe({ token: `${token.slice(0, -2)}xx` }))).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_INVALID_UNSUBSCRIBE_TOKEN" });
    expect(await edgeNotifications().unsubscribe({ token })).toEqual(expect.objectContaining({ changed: true }));
    expect(await edgeNotifications().unsubscribe({ token })).toEqual(expect.objectContaining({ changed: false }));
    expect((await notification().getPreferences({}, bob.player.asPlayer)).preferences?.emailOptOut).toBe(true);

    await world.send([world.inviteSent(alice, bob, "Second Guild")]);
    const { ofKind } = await centre(bob, "guild.invite", 2);
    expect(ofKind[0]?.title).toContain("Second Guild");
    expect(await notification().listDeliveries({ notificationId: ofKind[0]!.notificationId }, bob.player.asPlayer)).toMatchObject({ deliveries: [] });
    expect(await mail.to(bob.player.email)).toHaveLength(1);
  });

  it("refuses preferences with an unknown zone, a bad time or a category twice, with reasons", async () => {
    const { player } = await world.hero();
    expect(await refusalOf(notification().updatePreferences({ preferences: { timeZone: "Mars/Olympus_Mons" } }, player.asPlayer))).toEqual({
      code: Code.InvalidArgument,
      reason: "ERROR_REASON_INVALID_TIME_ZONE",
      metadata: { time_zone: "Mars/Olympus_Mons" },
    });
    expect(await refusalOf(notification().updatePreferences({ preferences: { timeZone: "UTC", quietHours: { start: "22:00", end: "7:00" } } }, player.asPlayer))).toMatchObject({
      code: Code.InvalidArgument,
      reason: "ERROR_REASON_INVALID_QUIET_HOURS",
      metadata: { field: "quiet_hours.end", value: "7:00" },
    });
    const twice = { categories: [{ category: Category.TRADE, channels: [DeliveryChannel.IN_APP] }, { category: Category.TRADE, channels: [] }] };
    expect(await refusalOf(notification().updatePreferences({ preferences: twice }, player.asPlayer))).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_DUPLICATE_CATEGORY" });
    expect(await refusalOf(notification().updatePreferences({ preferences: { categories: [{ category: Category.UNSPECIFIED }] } }, player.asPlayer))).toMatchObject({ code: Code.InvalidArgument });
    expect(await refusalOf(notification().getPreferences({}))).toMatchObject({ code: Code.Unauthenticated });
    // Nothing was stored: the defaults are still there.
    const { preferences } = await notification().getPreferences({}, player.asPlayer);
    expect(preferences).toMatchObject({ timeZone: "UTC", emailOptOut: false });
    expect(preferences?.quietHours).toBeUndefined();
    expect(preferences?.categories.find((c) => c.category === Category.TRADE)?.channels).toEqual([DeliveryChannel.IN_APP, DeliveryChannel.EMAIL, DeliveryChannel.WEBHOOK]);
  });

  it("during quiet hours in the player's zone an email waits for their end while in-app lands; channels per category are the player's", async () => {
    const [alice, bob] = await Promise.all([world.hero(), world.hero()]);
    // Tokyo keeps no DST: the window opened an hour ago on its clock and closes in two hours.
    const tokyo = new Date(Date.now() + 9 * 3_600_000);
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const quietHours = { start: hhmm(new Date(tokyo.getTime() - 3_600_000)), end: hhmm(new Date(tokyo.getTime() + 2 * 3_600_000)) };
    const expectedEnd = new Date(Date.now() + 2 * 3_600_000);
    await notification().updatePreferences(
      {
        preferences: {
          timeZone: "Asia/Tokyo",
          quietHours,
          categories: [
            { category: Category.COMBAT, channels: [] },
            { category: Category.PROGRESSION, channels: [DeliveryChannel.EMAIL] },
          ],
        },
      },
      bob.player.asPlayer,
    );

    await world.send([world.inviteSent(alice, bob, "Night Owls")]);
    const [invite] = (await centre(bob, "guild.invite")).ofKind;
    const [email] = await deliveriesOf(bob, invite!.notificationId, (s) => s.length === 1);
    expect(email).toMatchObject({ channel: DeliveryChannel.EMAIL, state: DeliveryState.PENDING, attempts: 0 });
    expect(Math.abs(timestampDate(email!.dueTime!).getTime() - expectedEnd.getTime())).toBeLessThan(61_000);

    // Progression goes by email only: no in-app notice, an email waiting for the end of the quiet hours.
    const levelUps = async () => (await notification().listNotifications({}, bob.player.asPlayer)).notifications.filter((n) => n.kind === "progression.level_up").length;
    const probes = await levelUps();
    await world.send([world.levelUp(bob, 50)]);
    const pending = await eventually(
      () => notification().listDeliveries({ states: [DeliveryState.PENDING] }, bob.player.asPlayer).then((r) => r.deliveries),
      (d) => d.length === 2,
    );
    expect(pending.every((d) => d.channel === DeliveryChannel.EMAIL && d.category !== Category.UNSPECIFIED)).toBe(true);
    expect(pending.map((d) => d.category).sort()).toEqual([Category.PROGRESSION, Category.GUILD].sort());
    expect(await levelUps()).toBe(probes);

    // Combat is muted: bob's defeat makes nothing. Alice's defeat after it, in the same partition, shows it was consumed.
    await world.send([world.defeated(bob, alice), world.defeated(alice, bob, alice.characterId)]);
    await centre(alice, "combat.defeat");
    expect((await notification().listNotifications({}, bob.player.asPlayer)).notifications.filter((n) => n.kind === "combat.defeat")).toEqual([]);
    expect(await mail.to(bob.player.email)).toEqual([]);
  });

  it("webhooks: signed on the raw body, several signatures while a secret rotates, retried with backoff, dead-lettered and replayed", async () => {
    const receiver = await startWebhookReceiver();
    try {
      const [alice, bob] = await Promise.all([world.hero(), world.hero()]);
      const registered = await notification().registerWebhook({ url: receiver.url, categories: [Category.TRADE] }, bob.player.asPlayer);
      expect(registered.secret).toMatch(/^whsec_/);
      expect(registered.webhook).toMatchObject({ scope: WebhookScope.PLAYER, playerId: bob.player.accountId, url: receiver.url, categories: [Category.TRADE], activeSecrets: 1 });
      receiver.secrets.push(registered.secret);

      await world.send([world.tradeProposed(alice, bob).event]);
      await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(1);
      const [first] = receiver.received;
      expect(first!.verified).toEqual([true]);
      expect(first!.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(first!.json).toMatchObject({ type: "notification.created", id: first!.deliveryId, notification: { kind: "trade.offer_received", playerId: bob.player.accountId } });

      const rotated = await notification().rotateWebhookSecret({ webhookId: registered.webhook!.webhookId }, bob.player.asPlayer);
      expect(rotated.webhook?.activeSecrets).toBe(2);
      receiver.secrets.push(rotated.secret);
      await world.send([world.tradeProposed(alice, bob).event]);
      await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(2);
      expect(receiver.received[1]!.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
      // A receiver holding either secret accepts it: the old one until it has the new one, the new one after.
      expect(receiver.received[1]!.verified).toEqual([true, true]);

      receiver.answerWith(503);
      await world.send([world.tradeProposed(alice, bob).event]);
      const third = (await centre(bob, "trade.offer_received", 3)).ofKind[0]!;
      const deliveries = await deliveriesOf(bob, third.notificationId, (s) => s.includes(DeliveryState.DEAD_LETTERED));
      const dead = deliveries.find((d) => d.channel === DeliveryChannel.WEBHOOK)!;
      expect(dead).toMatchObject({ state: DeliveryState.DEAD_LETTERED, attempts: maxAttempts, webhookId: registered.webhook!.webhookId });
      expect(dead.lastError).toContain("HTTP 503");
      const attempts = receiver.received.filter((r) => r.deliveryId === dead.deliveryId);
      expect(attempts.map((a) => a.json.attempt)).toEqual([1, 2, 3, 4]);
      expect(attempts.every((a) => a.verified.every(Boolean))).toBe(true);
      const listed = await notification().listDeliveries({ states: [DeliveryState.DEAD_LETTERED] }, bob.player.asPlayer);
      expect(listed.deliveries.map((d) => d.deliveryId)).toEqual([dead.deliveryId]);
      await expect.poll(() => events.events.filter((e) => e.type === "chaos.notification.v1.NotificationDeadLettered").map((e) => (e.message as { delivery?: { deliveryId: string } }).delivery?.deliveryId), { timeout: 10_000 }).toContain(dead.deliveryId);
      expect(events.events.filter((e) => e.type === "chaos.notification.v1.NotificationDeliveryFailed" && (e.message as { delivery?: { deliveryId: string } }).delivery?.deliveryId === dead.deliveryId)).toHaveLength(maxAttempts - 1);

      receiver.answerWith(200);
      const replayed = await notification().replayDelivery({ deliveryId: dead.deliveryId }, bob.player.asPlayer);
      expect(replayed.delivery).toMatchObject({ state: DeliveryState.PENDING, attempts: 0 });
      await deliveriesOf(bob, third.notificationId, (s) => s.filter((x) => x === DeliveryState.DELIVERED).length === 2);
      expect(receiver.received.filter((r) => r.deliveryId === dead.deliveryId)).toHaveLength(maxAttempts + 1);
      expect(await refusalOf(notification().replayDelivery({ deliveryId: dead.deliveryId }, bob.player.asPlayer))).toMatchObject({
        code: Code.FailedPrecondition,
        reason: "ERROR_REASON_DELIVERY_NOT_REPLAYABLE",
        metadata: { state: "delivered" },
      });
      expect(await refusalOf(notification().replayDelivery({ deliveryId: dead.deliveryId }, alice.player.asPlayer))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_DELIVERY_NOT_FOUND" });

      // Turning webhooks off for trades stops the retries already waiting: the next attempt finds it cancelled.
      // The first attempt is held at the receiver while the player changes their mind, then fails.
      receiver.answerWith(503);
      receiver.hold(true);
      const before = receiver.received.length;
      await world.send([world.tradeProposed(alice, bob).event]);
      await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(before + 1);
      await notification().updatePreferences({ preferences: { categories: [{ category: Category.TRADE, channels: [DeliveryChannel.IN_APP, DeliveryChannel.EMAIL] }] } }, bob.player.asPlayer);
      receiver.release();
      receiver.hold(false);
      const failing = (await centre(bob, "trade.offer_received", 4)).ofKind[0]!;
      const [cancelled] = (await deliveriesOf(bob, failing.notificationId, (s) => s.includes(DeliveryState.CANCELLED))).filter((d) => d.channel === DeliveryChannel.WEBHOOK);
      expect(cancelled).toMatchObject({ attempts: 1, deliveryId: receiver.received[before]!.deliveryId });
      expect(cancelled!.lastError).toContain("turned webhooks off");
      expect(receiver.received).toHaveLength(before + 1);
      receiver.answerWith(200);
      await notification().updatePreferences({ preferences: {} }, bob.player.asPlayer);

      // Deleted, it receives nothing more.
      await notification().deleteWebhook({ webhookId: registered.webhook!.webhookId }, bob.player.asPlayer);
      expect(await refusalOf(notification().deleteWebhook({ webhookId: registered.webhook!.webhookId }, bob.player.asPlayer))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_WEBHOOK_NOT_FOUND" });
      const count = receiver.received.length;
      await world.send([world.tradeProposed(alice, bob).event]);
      const fourth = (await centre(bob, "trade.offer_received", 5)).ofKind[0]!;
      await deliveriesOf(bob, fourth.notificationId, (s) => s.includes(DeliveryState.DELIVERED));
      expect(receiver.received).toHaveLength(count);
    } finally {
      await receiver.close();
    }
  });

  it("refuses webhooks with credentials in the URL, beyond the limit, and studio webhooks from players; a studio webhook hears every player", async () => {
    const receiver = await startWebhookReceiver();
    try {
      const [alice, bob, carol] = await Promise.all([world.hero(), world.hero(), world.hero()]);
      expect(await refusalOf(notification().registerWebhook({ url: "http://user:pw@127.0.0.1:9/x", categories: [Category.TRADE] }, bob.player.asPlayer))).toMatchObject({
        code: Code.InvalidArgument,
        reason: "ERROR_REASON_INVALID_WEBHOOK_URL",
        metadata: { why: "must not carry credentials" },
      });
      expect(await refusalOf(notification().registerWebhook({ url: receiver.url, categories: [] }, bob.player.asPlayer))).toMatchObject({ code: Code.InvalidArgument });
      for (let i = 0; i < maxWebhooks; i++) await notification().registerWebhook({ url: `${receiver.url}?n=${i}`, categories: [Category.GUILD] }, carol.player.asPlayer);
      expect(await refusalOf(notification().registerWebhook({ url: receiver.url, categories: [Category.GUILD] }, carol.player.asPlayer))).toMatchObject({
        code: Code.FailedPrecondition,
        reason: "ERROR_REASON_TOO_MANY_WEBHOOKS",
        metadata: { max_webhooks: String(maxWebhooks) },
      });
      expect(await refusalOf(notification().registerWebhook({ url: receiver.url, categories: [Category.TRADE], scope: WebhookScope.STUDIO }, bob.player.asPlayer))).toMatchObject({
        code: Code.PermissionDenied,
        reason: "ERROR_REASON_ADMIN_REQUIRED",
      });

      // The operator, with no end user, is an admin.
      const studio = await notification().registerWebhook({ url: receiver.url, categories: [Category.GUILD], scope: WebhookScope.STUDIO });
      receiver.secrets.push(studio.secret);
      expect((await notification().listWebhooks({ scope: WebhookScope.STUDIO })).webhooks.map((w) => w.webhookId)).toContain(studio.webhook!.webhookId);
      await world.send([world.inviteSent(alice, bob, "Studio Watched"), world.inviteSent(bob, alice, "Studio Watched Too")]);
      await expect.poll(() => receiver.received.filter((r) => r.verified[0]).map((r) => r.json.notification.playerId).sort(), { timeout: 10_000 }).toEqual(
        [alice.player.accountId, bob.player.accountId].sort(),
      );
      const studioDeliveries = await notification().listDeliveries({ scope: WebhookScope.STUDIO });
      expect(studioDeliveries.deliveries.filter((d) => d.webhookId === studio.webhook!.webhookId)).toHaveLength(2);
      expect(await refusalOf(notification().listDeliveries({ allPlayers: true }, bob.player.asPlayer))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_ADMIN_REQUIRED" });
      // A player sees their own deliveries only, not the studio's.
      const bobs = await notification().listDeliveries({}, bob.player.asPlayer);
      expect(bobs.deliveries.some((d) => d.webhookId === studio.webhook!.webhookId)).toBe(false);
      await notification().deleteWebhook({ webhookId: studio.webhook!.webhookId });
    } finally {
      await receiver.close();
    }
  });

  it("pages the notification centre newest first, and refuses a token of another listing", async () => {
    const [alice, bob] = await Promise.all([world.hero(), world.hero()]);
    for (const n of [1, 2, 3, 4, 5]) {
      await world.send([world.inviteSent(alice, bob, `Page Guild ${n}`)]);
      await centre(bob, "guild.invite", n);
    }
    const first = await notification().listNotifications({ pageSize: 2 }, bob.player.asPlayer);
    const second = await notification().listNotifications({ pageSize: 2, pageToken: first.nextPageToken }, bob.player.asPlayer);
    const third = await notification().listNotifications({ pageSize: 2, pageToken: second.nextPageToken }, bob.player.asPlayer);
    const all = [...first.notifications, ...second.notifications, ...third.notifications].filter((n) => n.kind === "guild.invite");
    expect(all.map((n) => n.title.replace(/.* to /, ""))).toEqual(["Page Guild 5", "Page Guild 4", "Page Guild 3", "Page Guild 2", "Page Guild 1"]);
    expect(first.unreadCount).toBe(5);
    expect(await refusalOf(notification().listNotifications({ pageToken: first.nextPageToken }, alice.player.asPlayer))).toMatchObject({ code: Code.InvalidArgument });
    expect(await notification().markNotificationsRead({ all: true }, bob.player.asPlayer)).toMatchObject({ updatedCount: 5, unreadCount: 0 });
    expect(await refusalOf(notification().markNotificationsRead({}, bob.player.asPlayer))).toMatchObject({ code: Code.InvalidArgument });
  });
});
