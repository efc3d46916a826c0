import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { GuildState } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import { GuildService } from "@chaos/gen/chaos/guild/v1/guild_service_pb.js";
import { NotificationService } from "@chaos/gen/chaos/notification/v1/notification_service_pb.js";
import { TradeState } from "@chaos/gen/chaos/trading/v1/trade_pb.js";
import { TradingService } from "@chaos/gen/chaos/trading/v1/trading_service_pb.js";
import { useStack } from "../../../scripts/test/stack.js";
import { eventually } from "../../../scripts/test/topic-events.js";
import { createHero, type Hero } from "../../trading/test/heroes.js";
import { mailpit } from "./mailpit.js";
import { notificationWorld } from "./notification-world.js";

// The real producers this time: trading's and guild's own events, as their relays publish them.
const stack = useStack(["identity", "player", "inventory", "trading", "guild", "notification"], {
  env: { CHAOS_NOTIFICATION_SMTP_URL: inject("infra").smtpUrl, CHAOS_GUILD_CREATION_FEE: "10", CHAOS_GUILD_SETTLE_AFTER_SECONDS: "1" },
});
const notification = () => stack.operator.client(NotificationService, "notification");
const world = notificationWorld(stack);
const mail = mailpit(inject("infra").mailpitUrl);

const centre = (hero: Hero, kind: string) =>
  eventually(
    () => notification().listNotifications({}, hero.player.asPlayer).then((r) => r.notifications.filter((n) => n.kind === kind)),
    (found) => found.length > 0,
    30_000,
  );

describe("notifications from the real trading and guild services", () => {
  it("an offer, its settlement and a guild invite reach the players in-app and by email", async () => {
    // Heroes that inventory, trading and notification all know.
    const [alice, bob] = await Promise.all([createHero(stack).then(world.known), createHero(stack).then(world.known)]);
    const trading = stack.operator.client(TradingService, "trading");
    const { trade } = await trading.proposeTrade(
      { proposerCharacterId: alice.characterId, counterpartyCharacterId: bob.characterId, offer: { gold: 7n }, request: {}, idempotencyKey: randomUUID() },
      alice.player.asPlayer,
    );
    const [offer] = await centre(bob, "trade.offer_received");
    expect(offer).toMatchObject({ title: `${alice.name} offers ${bob.name} a trade`, body: "They give 7 gold and ask for nothing.", link: `chaos://trades/${trade!.tradeId}` });
    const [offerMail] = await mail.waitFor(bob.player.email, 1, 30_000);
    expect(offerMail?.Subject).toBe(offer!.title);

    const { trade: settled } = await trading.acceptTrade({ tradeId: trade!.tradeId }, bob.player.asPlayer);
    expect(settled?.state).toBe(TradeState.SETTLED);
    expect((await centre(alice, "trade.settled"))[0]?.title).toBe(`Trade with ${bob.name} settled`);
    expect((await centre(bob, "trade.settled"))[0]?.title).toBe(`Trade with ${alice.name} settled`);

    const guild = stack.operator.client(GuildService, "guild");
    const name = `Heralds ${randomUUID().slice(0, 6)}`;
    const founding = { actorCharacterId: alice.characterId, name, tag: "HRD", idempotencyKey: randomUUID() };
    // Guild hears of the characters from player's events too; the same key makes a retry the same request.
    const { guild: founded } = await eventually(() => guild.createGuild(founding, alice.player.asPlayer), (r) => r.guild !== undefined);
    await eventually(() => guild.getGuild({ guildId: founded!.guildId }, alice.player.asPlayer), (r) => r.guild?.state === GuildState.ACTIVE, 30_000);
    await eventually(() => guild.inviteMember({ actorCharacterId: alice.characterId, characterId: bob.characterId }, alice.player.asPlayer), (r) => r.invite !== undefined);
    const [invite] = await centre(bob, "guild.invite");
    expect(invite?.title).toBe(`${alice.name} invites ${bob.name} to ${name}`);
    const mails = await mail.waitFor(bob.player.email, 3, 30_000);
    expect(mails.map((m) => m.Subject).sort()).toEqual([offer!.title, `Trade with ${alice.name} settled`, invite!.title].sort());
  });
});
