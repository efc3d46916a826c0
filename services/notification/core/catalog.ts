import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { CharacterDefeatedSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { InviteSentSchema } from "@chaos/gen/chaos/guild/v1/events_pb.js";
import { MatchFoundSchema } from "@chaos/gen/chaos/matchmaking/v1/events_pb.js";
import { ActionAppliedSchema, ActionLiftedSchema } from "@chaos/gen/chaos/anticheat/v1/events_pb.js";
import { ActionKind, type Action } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { OrderFulfilledSchema } from "@chaos/gen/chaos/payment/v1/events_pb.js";
import type { Money } from "@chaos/gen/chaos/payment/v1/order_pb.js";
import { Category } from "@chaos/gen/chaos/notification/v1/notification_pb.js";
import { AchievementUnlockedSchema, LevelReachedSchema } from "@chaos/gen/chaos/progression/v1/events_pb.js";
import type { TradeAssets } from "@chaos/gen/chaos/trading/v1/trade_pb.js";
import { TradeProposedSchema, TradeSettledSchema } from "@chaos/gen/chaos/trading/v1/events_pb.js";

/** Someone a notification is for, as the event names them: a character, and its player when the event says. */
export interface Recipient {
  readonly characterId: string;
  /** When the event carries it; otherwise the character read model says. */
  readonly playerId?: string;
}

/** The recipient as the notification sees it. */
export interface Addressee {
  readonly playerId: string;
  readonly characterId: string;
  /** The character's name (from player's events). */
  readonly characterName: string;
}

/** What a notification says. */
export interface Rendered {
  readonly title: string;
  readonly body: string;
  /** A client deep link. */
  readonly link: string;
}

/** One line of the catalog: which event makes which notification, for whom, saying what. */
export interface CatalogEntry<Desc extends DescMessage = DescMessage> {
  /** The topic the event comes on (chaos.<domain>.v1.<stream>). */
  readonly topic: { readonly domain: string; readonly stream: string };
  readonly schema: Desc;
  readonly category: Category;
  /** Stable name of what happened, for clients to branch on (Notification.kind). */
  readonly kind: string;
  /** The characters it is for; none (a training dummy's defeat) makes no notification. */
  readonly recipients: (event: MessageShape<Desc>) => readonly Recipient[];
  readonly render: (event: MessageShape<Desc>, to: Addressee) => Rendered;
}

/** Pairs an event schema with its entry, keeping the message type checked. */
function entry<Desc extends DescMessage>(schema: Desc, line: Omit<CatalogEntry<Desc>, "schema">): CatalogEntry {
  return { schema, ...line } as unknown as CatalogEntry;
}

const progress = { domain: "progression", stream: "progress" };
const casts = { domain: "combat", stream: "casts" };
const trades = { domain: "trading", stream: "trades" };
const guilds = { domain: "guild", stream: "guilds" };
const matches = { domain: "matchmaking", stream: "matches" };
const orders = { domain: "payment", stream: "orders" };
const actions = { domain: "anticheat", stream: "actions" };

const describePrice = (money: Money | undefined) =>
  money === undefined ? "" : new Intl.NumberFormat("en", { style: "currency", currency: money.currency }).format(Number(money.amountMinor) / 100);
/** What a fair-play action does to the account, in the player's words; a flag is the moderators' business and tells nobody. */
const actionWords: Readonly<Partial<Record<ActionKind, string>>> = {
  [ActionKind.TRADE_RESTRICTION]: "Trading is restricted on your account",
  [ActionKind.SUSPENSION]: "Your account is suspended",
  [ActionKind.BAN]: "Your account is banned",
};
/** The account a fair-play action is about: no character, the player named by the action. */
const accountOf = (action: Action | undefined) => (action === undefined || actionWords[action.kind] === undefined ? [] : [{ characterId: "", playerId: action.playerId }]);

const describeAssets = (assets: TradeAssets | undefined): string => {
  const parts = [...(assets?.gold ? [`${assets.gold} gold`] : []), ...(assets?.items ?? []).map((i) => `${i.quantity} × ${i.displayName || i.definitionId}`)];
  return parts.length === 0 ? "nothing" : parts.join(", ");
};

/**
 * Every notification the service makes, one entry per event type: a new
 * kind of notification (a match found, a payment receipt) is one more
 * entry here, naming its event, category, recipients and words. The
 * manifest consumes the entries' topics, and the consumer gets one handler
 * per entry.
 */
export const notificationCatalog: readonly CatalogEntry[] = [
  entry(LevelReachedSchema, {
    topic: progress,
    category: Category.PROGRESSION,
    kind: "progression.level_up",
    recipients: (e) => [{ characterId: e.characterId, playerId: e.playerId }],
    render: (e, to) => ({ title: `${to.characterName} reached level ${e.level}`, body: `${to.characterName} is now level ${e.level}.`, link: `chaos://characters/${e.characterId}` }),
  }),
  entry(AchievementUnlockedSchema, {
    topic: progress,
    category: Category.PROGRESSION,
    kind: "progression.achievement",
    recipients: (e) => [{ characterId: e.characterId, playerId: e.playerId }],
    render: (e, to) => ({ title: `${to.characterName} unlocked “${e.title}”`, body: `Achievement “${e.title}” (+${e.points} points).`, link: `chaos://characters/${e.characterId}/achievements/${e.achievementId}` }),
  }),
  entry(CharacterDefeatedSchema, {
    topic: casts,
    category: Category.COMBAT,
    kind: "combat.defeat",
    // A training dummy has no player, and no one to tell.
    recipients: (e) => (e.defeatedPlayerId === "" ? [] : [{ characterId: e.defeatedId, playerId: e.defeatedPlayerId }]),
    render: (e, to) => ({ title: `${to.characterName} was defeated`, body: `${to.characterName} fell in battle. Rest, heal, and try again.`, link: `chaos://characters/${e.defeatedId}` }),
  }),
  entry(TradeProposedSchema, {
    topic: trades,
    category: Category.TRADE,
    kind: "trade.offer_received",
    recipients: (e) => (e.trade?.counterparty === undefined ? [] : [{ characterId: e.trade.counterparty.characterId }]),
    render: (e, to) => ({
      title: `${e.trade?.proposer?.name ?? "Someone"} offers ${to.characterName} a trade`,
      body: `They give ${describeAssets(e.trade?.offer)} and ask for ${describeAssets(e.trade?.request)}.`,
      link: `chaos://trades/${e.trade?.tradeId ?? ""}`,
    }),
  }),
  entry(TradeSettledSchema, {
    topic: trades,
    category: Category.TRADE,
    kind: "trade.settled",
    recipients: (e) => [e.trade?.proposer, e.trade?.counterparty].flatMap((party) => (party === undefined ? [] : [{ characterId: party.characterId }])),
    render: (e, to) => {
      const other = e.trade?.proposer?.characterId === to.characterId ? e.trade?.counterparty : e.trade?.proposer;
      return { title: `Trade with ${other?.name ?? "another player"} settled`, body: `The goods have changed hands; ${to.characterName}'s inventory is up to date.`, link: `chaos://trades/${e.trade?.tradeId ?? ""}` };
    },
  }),
  entry(InviteSentSchema, {
    topic: guilds,
    category: Category.GUILD,
    kind: "guild.invite",
    recipients: (e) => (e.invite === undefined ? [] : [{ characterId: e.invite.characterId }]),
    render: (e, to) => ({
      title: `${e.invite?.invitedByCharacterName ?? "A guild member"} invites ${to.characterName} to ${e.invite?.guildName ?? "a guild"}`,
      body: `Join [${e.invite?.guildTag ?? ""}] ${e.invite?.guildName ?? ""}: accept or decline the invitation in the guild tab.`,
      link: `chaos://guilds/${e.invite?.guildId ?? ""}/invites/${e.invite?.inviteId ?? ""}`,
    }),
  }),
  entry(MatchFoundSchema, {
    topic: matches,
    category: Category.MATCHMAKING,
    kind: "matchmaking.match_found",
    recipients: (e) => (e.match?.teams ?? []).flatMap((team) => team.characterIds.map((characterId) => ({ characterId }))),
    render: (e, to) => ({
      title: `Match found for ${to.characterName}`,
      body: `A ${e.match?.queueId ?? "PvP"} match is ready: accept it in the arena before the ready check closes.`,
      link: `chaos://matches/${e.match?.matchId ?? ""}`,
    }),
  }),
  entry(OrderFulfilledSchema, {
    topic: orders,
    category: Category.BILLING,
    kind: "payment.receipt",
    recipients: (e) => (e.order === undefined ? [] : [{ characterId: e.order.characterId, playerId: e.order.accountId }]),
    render: (e, to) => ({
      title: `Receipt: ${e.order?.gold.toLocaleString("en") ?? ""} gold for ${to.characterName}`,
      body: `You paid ${describePrice(e.order?.price)}; the gold is in ${to.characterName}'s wallet. Order ${e.order?.orderId ?? ""}.`,
      link: `chaos://orders/${e.order?.orderId ?? ""}`,
    }),
  }),
  entry(ActionAppliedSchema, {
    topic: actions,
    category: Category.ACCOUNT,
    kind: "anticheat.action",
    recipients: (e) => accountOf(e.action),
    render: (e) => ({
      title: actionWords[e.action!.kind]!,
      body: `${e.action?.reason ?? ""} If you think this is a mistake, appeal in the fair-play panel.`.trim(),
      link: `chaos://standing/actions/${e.action?.actionId ?? ""}`,
    }),
  }),
  entry(ActionLiftedSchema, {
    topic: actions,
    category: Category.ACCOUNT,
    kind: "anticheat.action_lifted",
    recipients: (e) => accountOf(e.action),
    render: (e) => ({
      // "Trading is restricted on your account" → "Trading is no longer restricted on your account".
      title: actionWords[e.action!.kind]!.replace(" is ", " is no longer "),
      body: e.action?.liftReason ? `Lifted: ${e.action.liftReason}` : "The action has ended.",
      link: `chaos://standing/actions/${e.action?.actionId ?? ""}`,
    }),
  }),
];
