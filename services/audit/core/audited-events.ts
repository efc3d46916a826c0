import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { ActorKind, Outcome } from "@chaos/gen/chaos/audit/v1/audit_record_pb.js";
import {
  GuildBankDepositedSchema,
  GuildBankWithdrawnSchema,
  GuildCreatedSchema,
  GuildDisbandedSchema,
  LeadershipChangeReason,
  LeadershipChangeReasonSchema,
  LeadershipTransferredSchema,
  MemberKickedSchema,
  MemberRoleChangedSchema,
  RoleCreatedSchema,
  RoleDeletedSchema,
  RoleUpdatedSchema,
} from "@chaos/gen/chaos/guild/v1/events_pb.js";
import {
  AccountLockedSchema,
  AccountRegisteredSchema,
  AccountRolesChangedSchema,
  LoginFailedSchema,
  LoginSucceededSchema,
  MfaCheckFailedSchema,
  MfaDisabledSchema,
  MfaEnabledSchema,
  MfaEnrollmentStartedSchema,
  PasskeyAddedSchema,
  PasskeyRemovedSchema,
  RefreshTokenReuseDetectedSchema,
  SessionRefreshedSchema,
  SessionRevokedSchema,
  SigningKeyRotatedSchema,
} from "@chaos/gen/chaos/identity/v1/events_pb.js";
import { RoleSchema } from "@chaos/gen/chaos/identity/v1/account_pb.js";
import {
  TradeAcceptedSchema,
  TradeCancelledSchema,
  TradeCompensatedSchema,
  TradeDeclinedSchema,
  TradeExpiredSchema,
  TradeProposedSchema,
  TradeSettledSchema,
} from "@chaos/gen/chaos/trading/v1/events_pb.js";
import { ErrorReasonSchema as TradingErrorReasonSchema } from "@chaos/gen/chaos/trading/v1/errors_pb.js";
import { LiveEventCancelledSchema, LiveEventScheduledSchema } from "@chaos/gen/chaos/liveops/v1/events_pb.js";
import { ZoneClosedSchema, ZoneOpenedSchema } from "@chaos/gen/chaos/world/v1/events_pb.js";
import { ActionAppliedSchema, ActionLiftedSchema, AppealResolvedSchema } from "@chaos/gen/chaos/anticheat/v1/events_pb.js";
import { ActionKindSchema, AppealStateSchema, type Action } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { ChargebackReceivedSchema, ClawbackDebtRecordedSchema, ClawbackStartedSchema, OrderFulfilledSchema, RefundRejectedSchema } from "@chaos/gen/chaos/payment/v1/events_pb.js";
import { RefundOriginSchema, type Refund } from "@chaos/gen/chaos/payment/v1/order_pb.js";
import type { Trade } from "@chaos/gen/chaos/trading/v1/trade_pb.js";
import { reasonName } from "@chaos/mesh/domain";

/**
 * What an event says about an action, in the log's terms. The rest of the
 * record comes from the event's envelope: record id (ce_id), source
 * (ce_source), trace id (traceparent), and occur time (ce_time) when the
 * event carries none of its own.
 */
export interface EventFacts {
  /** "<domain>.<verb>", e.g. "identity.login". */
  readonly action: string;
  /** Who did it; a SERVICE actor without an id is the event's publisher. */
  readonly actor: readonly [ActorKind, string?];
  /** "<kind>/<id>". */
  readonly resource: string;
  /** Default SUCCESS. */
  readonly outcome?: Outcome;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly occurTime?: Timestamp;
  /** Empty and undefined values are left out. */
  readonly details?: Readonly<Record<string, string | number | bigint | boolean | undefined>>;
}

/** How one event type becomes a record. */
export interface AuditedEvent {
  readonly schema: DescMessage;
  readonly facts: (message: never) => EventFacts;
}

/** The audited event types of one topic (chaos.<domain>.v1.<stream>). */
export interface AuditedTopic {
  readonly domain: string;
  readonly stream: string;
  readonly events: readonly AuditedEvent[];
}

/** Pairs an event schema with its mapping, keeping the message type checked. */
function audited<Desc extends DescMessage>(schema: Desc, facts: (message: MessageShape<Desc>) => EventFacts): AuditedEvent {
  return { schema, facts: facts as (message: never) => EventFacts };
}

const player = (accountId: string) => [ActorKind.PLAYER, accountId] as const;
const character = (characterId: string) => [ActorKind.CHARACTER, characterId] as const;
/** The publishing workload itself (a lock, a saga, a rotation): its SPIFFE ID, from ce_source. */
const publisher = [ActorKind.SERVICE] as const;
/** A fair-play action: the moderator who took it, or anticheat itself for one its rules took ("auto"). */
const moderatorOr = (accountId: string) => (accountId === "" || accountId === "auto" ? publisher : ([ActorKind.ADMIN, accountId] as const));
const actionDetails = (a: Action | undefined) => ({
  kind: a === undefined ? undefined : reasonName(ActionKindSchema, a.kind),
  action_id: a?.actionId,
  reason: a?.reason,
  case_id: a?.caseId,
  expire_time: a?.expireTime === undefined ? undefined : new Date(Number(a.expireTime.seconds) * 1000).toISOString(),
});
const refundDetails = (r: Refund | undefined) => ({
  refund_id: r?.refundId,
  order_id: r?.orderId,
  character_id: r?.characterId,
  origin: r === undefined ? undefined : reasonName(RefundOriginSchema, r.origin),
  gold: r?.gold,
  note: r?.decisionNote,
});
/** An admin's action: the admin's account, or the operator workload (ce_source) when no admin's token was used. */
const admin = (accountId: string) => (accountId === "" ? publisher : ([ActorKind.ADMIN, accountId] as const));
const account = (accountId: string) => `account/${accountId}`;
const trade = (t: Trade | undefined) => `trade/${t?.tradeId ?? ""}`;
const guild = (guildId: string) => `guild/${guildId}`;
const tradeDetails = (t: Trade | undefined) => ({
  proposer_character_id: t?.proposer?.characterId,
  counterparty_character_id: t?.counterparty?.characterId,
  offer_gold: t?.offer?.gold,
  offer_items: t?.offer?.items.length,
  request_gold: t?.request?.gold,
  request_items: t?.request?.items.length,
});

/**
 * Every audited event, by topic: the one table that says what enters the
 * log. Auditing a new service's events is one entry here (its topic is then
 * consumed: the manifest's `consumes` is derived from this table). Event
 * types of these topics that are not listed (inventory's item movements,
 * guild invites) are read past without a record.
 */
export const auditedTopics: readonly AuditedTopic[] = [
  {
    domain: "identity",
    stream: "accounts",
    events: [
      audited(AccountRegisteredSchema, (e) => ({
        action: "identity.account.register",
        actor: player(e.accountId),
        resource: account(e.accountId),
        occurTime: e.registerTime,
        details: { email: e.email, roles: e.roles.map((role) => reasonName(RoleSchema, role)).join(",") },
      })),
      audited(LoginSucceededSchema, (e) => ({
        action: "identity.login",
        actor: player(e.accountId),
        resource: account(e.accountId),
        sourceIp: e.ipAddress,
        userAgent: e.userAgent,
        occurTime: e.loginTime,
        details: { session_id: e.sessionId, mfa_used: e.mfaUsed, method: e.method || "password" },
      })),
      audited(LoginFailedSchema, (e) => ({
        action: "identity.login",
        actor: [ActorKind.ANONYMOUS],
        resource: account(e.accountId),
        outcome: e.reason === "ERROR_REASON_ACCOUNT_LOCKED" ? Outcome.DENIED : Outcome.FAILURE,
        sourceIp: e.ipAddress,
        occurTime: e.attemptTime,
        details: { reason: e.reason, failure_count: e.failureCount },
      })),
      audited(AccountLockedSchema, (e) => ({
        action: "identity.account.lock",
        actor: publisher,
        resource: account(e.accountId),
        details: { unlock_time: e.unlockTime === undefined ? undefined : new Date(Number(e.unlockTime.seconds) * 1000).toISOString() },
      })),
      audited(MfaEnrollmentStartedSchema, (e) => ({ action: "identity.mfa.enroll", actor: player(e.accountId), resource: account(e.accountId), sourceIp: e.ipAddress, occurTime: e.enrollTime })),
      audited(MfaEnabledSchema, (e) => ({ action: "identity.mfa.enable", actor: player(e.accountId), resource: account(e.accountId), sourceIp: e.ipAddress, occurTime: e.enableTime })),
      audited(MfaDisabledSchema, (e) => ({ action: "identity.mfa.disable", actor: player(e.accountId), resource: account(e.accountId), sourceIp: e.ipAddress, occurTime: e.disableTime })),
      audited(PasskeyAddedSchema, (e) => ({
        action: "identity.passkey.add",
        actor: player(e.accountId),
        resource: account(e.accountId),
        sourceIp: e.ipAddress,
        occurTime: e.addTime,
        details: { passkey_id: e.passkeyId, name: e.name },
      })),
      audited(PasskeyRemovedSchema, (e) => ({
        action: "identity.passkey.remove",
        actor: player(e.accountId),
        resource: account(e.accountId),
        sourceIp: e.ipAddress,
        occurTime: e.removeTime,
        details: { passkey_id: e.passkeyId },
      })),
      audited(MfaCheckFailedSchema, (e) => ({
        action: "identity.mfa.check",
        actor: player(e.accountId),
        resource: account(e.accountId),
        outcome: Outcome.FAILURE,
        sourceIp: e.ipAddress,
        occurTime: e.attemptTime,
        details: { purpose: e.purpose, reason: e.reason },
      })),
      audited(SessionRefreshedSchema, (e) => ({
        action: "identity.session.refresh",
        actor: player(e.accountId),
        resource: account(e.accountId),
        sourceIp: e.ipAddress,
        occurTime: e.refreshTime,
        details: { session_id: e.sessionId },
      })),
      audited(RefreshTokenReuseDetectedSchema, (e) => ({
        // Whoever presented the used token is not known to be the owner.
        action: "identity.session.refresh",
        actor: [ActorKind.ANONYMOUS],
        resource: account(e.accountId),
        outcome: Outcome.DENIED,
        sourceIp: e.ipAddress,
        occurTime: e.detectTime,
        details: { session_id: e.sessionId, reason: "refresh_token_reused" },
      })),
      audited(SessionRevokedSchema, (e) => ({
        action: "identity.session.revoke",
        actor: e.cause === "user" || e.cause === "all_sessions" ? player(e.accountId) : publisher,
        resource: account(e.accountId),
        occurTime: e.revokeTime,
        details: { session_id: e.sessionId, cause: e.cause },
      })),
      audited(AccountRolesChangedSchema, (e) => ({
        // An operator's call (SetAccountRoles); the event names no person, so the record names identity, which made the change.
        action: "identity.account.change_roles",
        actor: publisher,
        resource: account(e.accountId),
        occurTime: e.changeTime,
        details: {
          previous_roles: e.previousRoles.map((role) => reasonName(RoleSchema, role)).join(","),
          roles: e.roles.map((role) => reasonName(RoleSchema, role)).join(","),
          reason: e.reason,
        },
      })),
      audited(SigningKeyRotatedSchema, (e) => ({
        action: "identity.signing_key.rotate",
        actor: publisher,
        resource: `signing_key/${e.kid}`,
        occurTime: e.rotateTime,
        details: { retired_kids: e.retiredKids.join(",") },
      })),
    ],
  },
  {
    domain: "trading",
    stream: "trades",
    events: [
      audited(TradeProposedSchema, (e) => ({ action: "trading.trade.propose", actor: character(e.trade?.proposer?.characterId ?? ""), resource: trade(e.trade), occurTime: e.trade?.createTime, details: tradeDetails(e.trade) })),
      audited(TradeAcceptedSchema, (e) => ({ action: "trading.trade.accept", actor: character(e.trade?.counterparty?.characterId ?? ""), resource: trade(e.trade), occurTime: e.trade?.updateTime, details: tradeDetails(e.trade) })),
      audited(TradeDeclinedSchema, (e) => ({ action: "trading.trade.decline", actor: character(e.trade?.counterparty?.characterId ?? ""), resource: trade(e.trade), occurTime: e.trade?.updateTime, details: tradeDetails(e.trade) })),
      audited(TradeCancelledSchema, (e) => ({ action: "trading.trade.cancel", actor: character(e.cancelledByCharacterId), resource: trade(e.trade), occurTime: e.trade?.updateTime, details: tradeDetails(e.trade) })),
      audited(TradeExpiredSchema, (e) => ({ action: "trading.trade.expire", actor: publisher, resource: trade(e.trade), occurTime: e.trade?.updateTime, details: tradeDetails(e.trade) })),
      audited(TradeSettledSchema, (e) => ({ action: "trading.trade.settle", actor: publisher, resource: trade(e.trade), occurTime: e.trade?.updateTime, details: tradeDetails(e.trade) })),
      audited(TradeCompensatedSchema, (e) => ({
        action: "trading.trade.compensate",
        actor: publisher,
        resource: trade(e.trade),
        outcome: Outcome.FAILURE,
        occurTime: e.trade?.updateTime,
        details: { ...tradeDetails(e.trade), failure_reason: e.trade === undefined ? undefined : reasonName(TradingErrorReasonSchema, e.trade.failureReason), failure_message: e.trade?.failureMessage },
      })),
    ],
  },
  {
    domain: "guild",
    stream: "guilds",
    events: [
      audited(GuildCreatedSchema, (e) => ({
        action: "guild.create",
        actor: character(e.leader?.characterId ?? ""),
        resource: guild(e.guild?.guildId ?? ""),
        occurTime: e.guild?.createTime,
        details: { name: e.guild?.name, tag: e.guild?.tag, fee: e.fee },
      })),
      audited(MemberKickedSchema, (e) => ({
        action: "guild.member.kick",
        actor: character(e.kickedByCharacterId),
        resource: guild(e.guildId),
        occurTime: e.kickTime,
        details: { character_id: e.characterId, reason: e.reason },
      })),
      audited(MemberRoleChangedSchema, (e) => ({
        action: "guild.member.change_role",
        actor: character(e.changedByCharacterId),
        resource: guild(e.guildId),
        occurTime: e.changeTime,
        details: { character_id: e.characterId, old_role_id: e.oldRole?.roleId, new_role_id: e.newRole?.roleId },
      })),
      audited(RoleCreatedSchema, (e) => ({ action: "guild.role.create", actor: character(e.createdByCharacterId), resource: guild(e.role?.guildId ?? ""), occurTime: e.createTime, details: { role_id: e.role?.roleId, name: e.role?.name } })),
      audited(RoleUpdatedSchema, (e) => ({
        action: "guild.role.update",
        actor: character(e.updatedByCharacterId),
        resource: guild(e.newRole?.guildId ?? ""),
        occurTime: e.updateTime,
        details: { role_id: e.newRole?.roleId, name: e.newRole?.name },
      })),
      audited(RoleDeletedSchema, (e) => ({ action: "guild.role.delete", actor: character(e.deletedByCharacterId), resource: guild(e.role?.guildId ?? ""), occurTime: e.deleteTime, details: { role_id: e.role?.roleId, name: e.role?.name } })),
      audited(LeadershipTransferredSchema, (e) => ({
        action: "guild.leadership.transfer",
        // A deleted leader hands nothing over: the guild service picked the successor.
        actor: e.reason === LeadershipChangeReason.LEADER_DELETED ? publisher : character(e.formerLeaderCharacterId),
        resource: guild(e.guildId),
        occurTime: e.transferTime,
        details: { former_leader_character_id: e.formerLeaderCharacterId, new_leader_character_id: e.newLeaderCharacterId, reason: reasonName(LeadershipChangeReasonSchema, e.reason) },
      })),
      audited(GuildDisbandedSchema, (e) => ({
        action: "guild.disband",
        actor: e.guild?.leaderCharacterId ? character(e.guild.leaderCharacterId) : publisher,
        resource: guild(e.guild?.guildId ?? ""),
        occurTime: e.disbandTime,
        details: { returned_gold: e.returnedGold, unreturned_gold: e.unreturnedGold, former_members: e.formerMemberCharacterIds.length },
      })),
      audited(GuildBankDepositedSchema, (e) => ({
        action: "guild.bank.deposit",
        actor: character(e.characterId),
        resource: guild(e.guildId),
        occurTime: e.depositTime,
        details: { amount: e.amount, bank_balance_after: e.bankBalanceAfter, transaction_id: e.transactionId },
      })),
      audited(GuildBankWithdrawnSchema, (e) => ({
        action: "guild.bank.withdraw",
        actor: character(e.characterId),
        resource: guild(e.guildId),
        occurTime: e.withdrawTime,
        details: { amount: e.amount, bank_balance_after: e.bankBalanceAfter, transaction_id: e.transactionId },
      })),
    ],
  },
  {
    domain: "world",
    stream: "zones",
    events: [
      audited(ZoneOpenedSchema, (e) => ({ action: "world.zone.open", actor: admin(e.openedBy), resource: `zone/${e.zoneId}`, occurTime: e.openTime })),
      audited(ZoneClosedSchema, (e) => ({ action: "world.zone.close", actor: admin(e.closedBy), resource: `zone/${e.zoneId}`, occurTime: e.closeTime, details: { reason: e.reason } })),
    ],
  },
  {
    domain: "liveops",
    stream: "events",
    events: [
      audited(LiveEventScheduledSchema, (e) => ({
        action: "liveops.event.schedule",
        actor: admin(e.scheduledBy),
        resource: `live_event/${e.event?.eventId ?? ""}`,
        occurTime: e.event?.updateTime,
        details: { title: e.event?.title, tiers: e.event?.tiers.length },
      })),
      audited(LiveEventCancelledSchema, (e) => ({
        action: "liveops.event.cancel",
        actor: admin(e.cancelledBy),
        resource: `live_event/${e.event?.eventId ?? ""}`,
        occurTime: e.cancelTime,
        details: { title: e.event?.title, reason: e.event?.cancelReason },
      })),
    ],
  },
  {
    domain: "anticheat",
    stream: "actions",
    events: [
      audited(ActionAppliedSchema, (e) => ({
        action: "anticheat.action.apply",
        actor: moderatorOr(e.action?.appliedBy ?? ""),
        resource: account(e.action?.playerId ?? ""),
        occurTime: e.action?.applyTime,
        details: actionDetails(e.action),
      })),
      audited(ActionLiftedSchema, (e) => ({
        action: "anticheat.action.lift",
        actor: publisher,
        resource: account(e.action?.playerId ?? ""),
        occurTime: e.action?.liftTime,
        details: { ...actionDetails(e.action), lift_reason: e.action?.liftReason },
      })),
      audited(AppealResolvedSchema, (e) => ({
        action: "anticheat.appeal.resolve",
        actor: moderatorOr(e.appeal?.resolvedBy ?? ""),
        resource: account(e.appeal?.playerId ?? ""),
        occurTime: e.appeal?.resolveTime,
        details: {
          appeal_id: e.appeal?.appealId,
          action_id: e.appeal?.actionId,
          outcome: e.appeal === undefined ? undefined : reasonName(AppealStateSchema, e.appeal.state),
          resolution: e.appeal?.resolution,
        },
      })),
    ],
  },
  {
    domain: "payment",
    stream: "orders",
    events: [
      audited(OrderFulfilledSchema, (e) => ({
        action: "payment.order.fulfil",
        actor: publisher,
        resource: `order/${e.order?.orderId ?? ""}`,
        occurTime: e.fulfilTime,
        details: { account_id: e.order?.accountId, character_id: e.order?.characterId, gold: e.order?.gold, amount_minor: e.order?.price?.amountMinor, currency: e.order?.price?.currency, payment_id: e.order?.paymentId },
      })),
      audited(ClawbackStartedSchema, (e) => ({ action: "payment.refund.clawback", actor: publisher, resource: `order/${e.refund?.orderId ?? ""}`, details: refundDetails(e.refund) })),
      audited(RefundRejectedSchema, (e) => ({ action: "payment.refund.reject", actor: publisher, resource: `order/${e.refund?.orderId ?? ""}`, outcome: Outcome.DENIED, details: refundDetails(e.refund) })),
      audited(ChargebackReceivedSchema, (e) => ({
        action: "payment.chargeback",
        actor: publisher,
        resource: `order/${e.orderId}`,
        occurTime: e.receiveTime,
        details: { account_id: e.accountId, character_id: e.characterId, amount_minor: e.amount?.amountMinor, currency: e.amount?.currency, provider_event_id: e.providerEventId },
      })),
      audited(ClawbackDebtRecordedSchema, (e) => ({
        action: "payment.clawback.debt",
        actor: publisher,
        resource: `order/${e.orderId}`,
        occurTime: e.recordTime,
        details: { refund_id: e.refundId, account_id: e.accountId, character_id: e.characterId, debt: e.debt, origin: reasonName(RefundOriginSchema, e.origin) },
      })),
    ],
  },
];
