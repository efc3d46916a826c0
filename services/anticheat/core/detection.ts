import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { SignalKind } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import type { CharacterDefeated, DamageDealt, SpellCast } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import type { MessageReported } from "@chaos/gen/chaos/chat/v1/events_pb.js";
import { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import type { GoldCredited, GoldDebited } from "@chaos/gen/chaos/inventory/v1/events_pb.js";
import type { ChargebackReceived, ClawbackDebtRecorded } from "@chaos/gen/chaos/payment/v1/events_pb.js";
import type { LoginSucceeded } from "@chaos/gen/chaos/identity/v1/events_pb.js";
import type { CharacterCreated, CharacterHealthChanged, CharacterMoved } from "@chaos/gen/chaos/player/v1/events_pb.js";
import type { TradeSettled } from "@chaos/gen/chaos/trading/v1/events_pb.js";
import type { AnticheatConfig } from "../config.js";
import type { AnticheatTransaction } from "./anticheat-store.js";
import type { Gift } from "./rules.js";
import { castRateFinding, castWhileDefeatedFinding, funnelFinding, giftOf, impossibleDamageFinding, sharedAddressFinding, speedFinding, type Finding } from "./rules.js";
import { recordObservation, type Observation } from "./scoring.js";

/** What detection needs of a source event's CloudEvent attributes. */
export interface SourceEvent {
  readonly id: string;
  /** RFC 3339. */
  readonly time: string;
}

/** The event's time: its ce_time, else the payload's own time, else now. */
function timeOf(event: SourceEvent, payloadTime: Timestamp | undefined): Date {
  const ce = new Date(event.time);
  if (!Number.isNaN(ce.getTime())) return ce;
  return payloadTime === undefined ? new Date() : timestampDate(payloadTime);
}

/** Each rule over the events it reads; every method runs inside the consumer's inbox transaction. */
export interface Detection {
  /** Whose the character is, and where it appeared (the speed rule's first position). */
  characterCreated(tx: AnticheatTransaction, created: CharacterCreated, event: SourceEvent): Promise<void>;
  characterMoved(tx: AnticheatTransaction, moved: CharacterMoved, event: SourceEvent): Promise<void>;
  healthChanged(tx: AnticheatTransaction, changed: CharacterHealthChanged, event: SourceEvent): Promise<void>;
  spellCast(tx: AnticheatTransaction, cast: SpellCast, event: SourceEvent): Promise<void>;
  damageDealt(tx: AnticheatTransaction, damage: DamageDealt, event: SourceEvent): Promise<void>;
  characterDefeated(tx: AnticheatTransaction, defeated: CharacterDefeated, event: SourceEvent): Promise<void>;
  tradeSettled(tx: AnticheatTransaction, settled: TradeSettled, event: SourceEvent): Promise<void>;
  /** One half of a gold transfer (inventory's GoldDebited or GoldCredited); a gift once both halves are in. */
  goldMoved(tx: AnticheatTransaction, side: "debit" | "credit", moved: GoldDebited | GoldCredited, event: SourceEvent): Promise<void>;
  loginSucceeded(tx: AnticheatTransaction, login: LoginSucceeded, event: SourceEvent): Promise<void>;
  messageReported(tx: AnticheatTransaction, report: MessageReported, event: SourceEvent): Promise<void>;
  chargebackReceived(tx: AnticheatTransaction, chargeback: ChargebackReceived, event: SourceEvent): Promise<void>;
  clawbackDebtRecorded(tx: AnticheatTransaction, debt: ClawbackDebtRecorded, event: SourceEvent): Promise<void>;
}

export function createDetection(settings: AnticheatConfig): Detection {
  /** Records the gift and scores a funnel at its receiver, once per gift however often its events come. */
  const funnel = async (tx: AnticheatTransaction, transferId: string, gift: Gift, receiverCharacterId: string, event: SourceEvent, at: Date) => {
    const received = await tx.recordGift(transferId, gift, at, new Date(at.getTime() - settings.funnelWindowMs));
    if (!received.inserted) return;
    await observe(tx, funnelFinding(received.givers, received.gold, settings.funnelGivers, settings.funnelWindowMs), {
      rule: "gold_funnel",
      playerId: gift.receiverPlayerId,
      characterId: receiverCharacterId,
      kind: SignalKind.GOLD_FUNNEL,
      sourceEventId: event.id,
      observedAt: at,
    });
  };

  const observe = async (tx: AnticheatTransaction, finding: Finding | undefined, observation: Omit<Observation, "evidence">) => {
    if (finding !== undefined) await recordObservation(tx, { ...observation, evidence: finding.evidence }, settings);
  };

  return {
    async characterCreated(tx, created, event) {
      await tx.recordCharacter(created.characterId, created.playerId);
      const p = created.position;
      if (p !== undefined) await tx.recordMove(created.characterId, { zoneId: p.zoneId, x: p.x, y: p.y, z: p.z, at: timeOf(event, created.createTime) });
    },

    async characterMoved(tx, moved, event) {
      const at = timeOf(event, moved.moveTime);
      const { from, to } = moved;
      if (from === undefined || to === undefined) return;
      const previous = await tx.lastMove(moved.characterId);
      await tx.recordMove(moved.characterId, { zoneId: to.zoneId, x: to.x, y: to.y, z: to.z, at });
      const finding = speedFinding(previous, from, to, at, settings);
      const playerId = finding === undefined ? undefined : await tx.playerOf(moved.characterId);
      // A character player announced before anticheat's history began has no known owner: nothing to score.
      if (playerId === undefined) return;
      await observe(tx, finding, { rule: "speed", playerId, characterId: moved.characterId, kind: SignalKind.SPEED, sourceEventId: event.id, observedAt: at });
    },

    async healthChanged(tx, changed, event) {
      if (changed.healthAfter > 0 && changed.healthBefore <= 0) await tx.markRevived(changed.characterId, timeOf(event, changed.changeTime));
    },

    async spellCast(tx, cast, event) {
      if (cast.casterPlayerId === "") return;
      const at = timeOf(event, cast.castTime);
      // The spell's limits come with the cast: combat's catalogue is combat's, and anticheat keeps no copy.
      const limits = { cooldownMs: cast.cooldownMs, baseDamage: cast.baseDamage };
      const previous = await tx.recordCast({ castId: cast.castId, characterId: cast.casterCharacterId, playerId: cast.casterPlayerId, spellId: cast.spellId, castAt: at, limits });
      const base = { playerId: cast.casterPlayerId, characterId: cast.casterCharacterId, sourceEventId: event.id, observedAt: at };
      await observe(tx, castRateFinding(cast.spellId, limits, previous, at, settings.cooldownTolerance), { ...base, rule: "cast_rate", kind: SignalKind.CAST_RATE });
      await observe(tx, castWhileDefeatedFinding(await tx.defeatState(cast.casterCharacterId), at, settings.defeatGraceMs), {
        ...base,
        rule: "cast_while_defeated",
        kind: SignalKind.CAST_WHILE_DEFEATED,
      });
    },

    async damageDealt(tx, damage, event) {
      // The hit's spell is its cast's, which came first on the same partition (both are keyed by the caster).
      const cast = await tx.cast(damage.castId);
      if (cast === undefined) return;
      await observe(tx, impossibleDamageFinding(cast.spellId, cast.limits, damage.amount, settings.maxSpellPower), {
        rule: "impossible_damage",
        playerId: cast.playerId,
        characterId: cast.characterId,
        kind: SignalKind.IMPOSSIBLE_DAMAGE,
        sourceEventId: event.id,
        observedAt: timeOf(event, damage.dealtTime),
      });
    },

    async characterDefeated(tx, defeated, event) {
      await tx.markDefeated(defeated.defeatedId, timeOf(event, defeated.defeatTime));
    },

    async tradeSettled(tx, settled, event) {
      const trade = settled.trade;
      if (trade?.proposer === undefined || trade.counterparty === undefined) return;
      const [proposer, counterparty] = await Promise.all([tx.playerOf(trade.proposer.characterId), tx.playerOf(trade.counterparty.characterId)]);
      if (proposer === undefined || counterparty === undefined) return;
      const side = (playerId: string, assets: typeof trade.offer) => ({ playerId, gold: assets?.gold ?? 0n, items: assets?.items.length ?? 0 });
      const gift = giftOf(side(proposer, trade.offer), side(counterparty, trade.request), settings.funnelMinGold);
      if (gift === undefined) return;
      const receiverCharacter = gift.receiverPlayerId === proposer ? trade.proposer.characterId : trade.counterparty.characterId;
      await funnel(tx, trade.tradeId, gift, receiverCharacter, event, timeOf(event, trade.closeTime ?? trade.updateTime));
    },

    async goldMoved(tx, side, moved, event) {
      // Gifts and guild bank moves are TRANSFERs; a guild bank's account is no character, so only gifts pair up below.
      if (moved.kind !== LedgerEntryKind.TRANSFER) return;
      const at = timeOf(event, moved.$typeName === "chaos.inventory.v1.GoldDebited" ? moved.debitTime : moved.creditTime);
      const half = { transactionId: moved.transactionId, side, characterId: moved.characterId, amount: moved.amount, at };
      const other = await tx.recordTransferHalf(half);
      if (other === undefined) return;
      const [debit, credit] = side === "debit" ? [half, other] : [other, half];
      const [giver, receiver] = await Promise.all([tx.playerOf(debit.characterId), tx.playerOf(credit.characterId)]);
      if (giver === undefined || receiver === undefined || giver === receiver || debit.amount < settings.funnelMinGold) return;
      await funnel(tx, moved.transactionId, { giverPlayerId: giver, receiverPlayerId: receiver, gold: debit.amount }, credit.characterId, event, at);
    },

    async loginSucceeded(tx, login, event) {
      const at = timeOf(event, login.loginTime);
      const accounts = await tx.recordLogin(login.ipAddress, login.accountId, at, new Date(at.getTime() - settings.sharedAddressWindowMs));
      await observe(tx, sharedAddressFinding(login.ipAddress, accounts, settings.sharedAddressAccounts), {
        rule: "shared_address",
        playerId: login.accountId,
        characterId: undefined,
        kind: SignalKind.SHARED_ADDRESS,
        sourceEventId: event.id,
        observedAt: at,
      });
    },

    async messageReported(tx, report, event) {
      if (report.senderPlayerId === "") return;
      await observe(tx, { evidence: `message reported: ${report.reason}`.slice(0, 1_000) }, {
        rule: "chat_report",
        playerId: report.senderPlayerId,
        characterId: report.message?.senderCharacterId || undefined,
        kind: SignalKind.CHAT_REPORT,
        sourceEventId: event.id,
        observedAt: timeOf(event, report.reportTime),
      });
    },

    async chargebackReceived(tx, chargeback, event) {
      if (chargeback.accountId === "") return;
      const amount = chargeback.amount === undefined ? "" : ` of ${chargeback.amount.amountMinor} minor units of ${chargeback.amount.currency}`;
      await observe(tx, { evidence: `chargeback${amount} on order ${chargeback.orderId}` }, {
        rule: "chargeback",
        playerId: chargeback.accountId,
        characterId: chargeback.characterId || undefined,
        kind: SignalKind.CHARGEBACK,
        sourceEventId: event.id,
        observedAt: timeOf(event, chargeback.receiveTime),
      });
    },

    async clawbackDebtRecorded(tx, debt, event) {
      if (debt.accountId === "" || debt.debt <= 0n) return;
      await observe(tx, { evidence: `clawback of order ${debt.orderId} left a debt of ${debt.debt} gold` }, {
        rule: "clawback_debt",
        playerId: debt.accountId,
        characterId: debt.characterId || undefined,
        kind: SignalKind.CLAWBACK_DEBT,
        sourceEventId: event.id,
        observedAt: timeOf(event, debt.recordTime),
      });
    },
  };
}
