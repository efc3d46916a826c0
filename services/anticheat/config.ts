import { SignalKind } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { integerSetting, numberSetting } from "@chaos/mesh/server";

/** The score at which each automatic action is applied (each crossing, upward, applies it once). */
export interface Thresholds {
  readonly review: number;
  readonly tradeRestriction: number;
  readonly suspension: number;
  readonly ban: number;
}

/** The anticheat service's settings, read from the environment at start-up. */
export interface AnticheatConfig {
  /** Score added by one signal of each kind (before decay). CHAOS_ANTICHEAT_WEIGHT_<KIND>, defaults below. */
  readonly weights: Readonly<Record<SignalKind, number>>;
  /** Time for a score to halve. CHAOS_ANTICHEAT_HALF_LIFE_HOURS, default 72. */
  readonly halfLifeMs: number;
  /** CHAOS_ANTICHEAT_REVIEW_AT (20), _TRADE_RESTRICTION_AT (40), _SUSPENSION_AT (70), _BAN_AT (110); must rise in that order. */
  readonly thresholds: Thresholds;
  /** How long an automatic suspension lasts. CHAOS_ANTICHEAT_SUSPENSION_HOURS, default 72. */
  readonly suspensionMs: number;
  /** How long an automatic trade restriction lasts. CHAOS_ANTICHEAT_TRADE_RESTRICTION_HOURS, default 168. */
  readonly tradeRestrictionMs: number;
  /** A character's top speed in world units per second, with tolerance. CHAOS_ANTICHEAT_MAX_SPEED, default 15. */
  readonly maxSpeed: number;
  /** Shortest time a move is measured over (two moves in one instant are compared over this). CHAOS_ANTICHEAT_MIN_MOVE_INTERVAL_MS, default 100. */
  readonly minMoveIntervalMs: number;
  /** Share of a cooldown a recast may come early by (clock skew between replicas) before it is a signal. CHAOS_ANTICHEAT_COOLDOWN_TOLERANCE, default 0.1. */
  readonly cooldownTolerance: number;
  /** Highest spell power a character can have; a hit above what it gives is impossible. CHAOS_ANTICHEAT_MAX_SPELL_POWER, default 100. */
  readonly maxSpellPower: number;
  /** Grace after a defeat before a cast by the defeated is a signal (events from two partitions). CHAOS_ANTICHEAT_DEFEAT_GRACE_MS, default 1000. */
  readonly defeatGraceMs: number;
  /** Gold given for nothing in return that counts toward a funnel. CHAOS_ANTICHEAT_FUNNEL_MIN_GOLD, default 100. */
  readonly funnelMinGold: bigint;
  /** Distinct givers within the window that make a funnel. CHAOS_ANTICHEAT_FUNNEL_GIVERS, default 4. */
  readonly funnelGivers: number;
  /** CHAOS_ANTICHEAT_FUNNEL_WINDOW_HOURS, default 24. */
  readonly funnelWindowMs: number;
  /** Distinct accounts logging in from one address within the window that make a signal. CHAOS_ANTICHEAT_SHARED_ADDRESS_ACCOUNTS, default 10. */
  readonly sharedAddressAccounts: number;
  /** CHAOS_ANTICHEAT_SHARED_ADDRESS_WINDOW_HOURS, default 24. */
  readonly sharedAddressWindowMs: number;
  /** How long casts, gifts and logins are kept for the rules. CHAOS_ANTICHEAT_RETENTION_HOURS, default 48. */
  readonly retentionMs: number;
  /** How often expired actions are lifted and old rule data pruned. CHAOS_ANTICHEAT_SWEEP_MS, default 5000. */
  readonly sweepMs: number;
}

/** Each kind's weight: one clear cheat (a teleport, an impossible hit) or a chargeback weighs more than a report or a shared address. */
const defaultWeights: Readonly<Record<SignalKind, number>> = {
  [SignalKind.UNSPECIFIED]: 0,
  [SignalKind.SPEED]: 12,
  [SignalKind.CAST_RATE]: 8,
  [SignalKind.CAST_WHILE_DEFEATED]: 20,
  [SignalKind.IMPOSSIBLE_DAMAGE]: 25,
  [SignalKind.GOLD_FUNNEL]: 15,
  [SignalKind.SHARED_ADDRESS]: 4,
  [SignalKind.CHAT_REPORT]: 2,
  [SignalKind.CHARGEBACK]: 30,
  [SignalKind.CLAWBACK_DEBT]: 10,
};

const hours = (n: number) => n * 3_600_000;

/** Reads the settings; a bad value stops start-up with a message naming the variable. */
export function loadAnticheatConfig(env: NodeJS.ProcessEnv = process.env): AnticheatConfig {
  const weights = { ...defaultWeights };
  for (const kind of Object.keys(defaultWeights).map(Number) as SignalKind[]) {
    if (kind === SignalKind.UNSPECIFIED) continue;
    weights[kind] = numberSetting(env, `CHAOS_ANTICHEAT_WEIGHT_${SignalKind[kind]}`, defaultWeights[kind], 0, 1_000);
  }
  const thresholds = {
    review: numberSetting(env, "CHAOS_ANTICHEAT_REVIEW_AT", 20, 1, 100_000),
    tradeRestriction: numberSetting(env, "CHAOS_ANTICHEAT_TRADE_RESTRICTION_AT", 40, 1, 100_000),
    suspension: numberSetting(env, "CHAOS_ANTICHEAT_SUSPENSION_AT", 70, 1, 100_000),
    ban: numberSetting(env, "CHAOS_ANTICHEAT_BAN_AT", 110, 1, 100_000),
  };
  if (!(thresholds.review <= thresholds.tradeRestriction && thresholds.tradeRestriction <= thresholds.suspension && thresholds.suspension <= thresholds.ban)) {
    throw new Error("CHAOS_ANTICHEAT_REVIEW_AT <= _TRADE_RESTRICTION_AT <= _SUSPENSION_AT <= _BAN_AT must hold");
  }
  return {
    weights,
    halfLifeMs: hours(numberSetting(env, "CHAOS_ANTICHEAT_HALF_LIFE_HOURS", 72, 0.01, 24 * 365)),
    thresholds,
    suspensionMs: hours(numberSetting(env, "CHAOS_ANTICHEAT_SUSPENSION_HOURS", 72, 0.001, 24 * 365)),
    tradeRestrictionMs: hours(numberSetting(env, "CHAOS_ANTICHEAT_TRADE_RESTRICTION_HOURS", 168, 0.001, 24 * 365)),
    maxSpeed: numberSetting(env, "CHAOS_ANTICHEAT_MAX_SPEED", 15, 0.1, 10_000),
    minMoveIntervalMs: integerSetting(env, "CHAOS_ANTICHEAT_MIN_MOVE_INTERVAL_MS", 100, 1, 60_000),
    cooldownTolerance: numberSetting(env, "CHAOS_ANTICHEAT_COOLDOWN_TOLERANCE", 0.1, 0, 0.9),
    maxSpellPower: integerSetting(env, "CHAOS_ANTICHEAT_MAX_SPELL_POWER", 100, 0, 100_000),
    defeatGraceMs: integerSetting(env, "CHAOS_ANTICHEAT_DEFEAT_GRACE_MS", 1_000, 0, 60_000),
    funnelMinGold: BigInt(integerSetting(env, "CHAOS_ANTICHEAT_FUNNEL_MIN_GOLD", 100, 1, 1_000_000_000)),
    funnelGivers: integerSetting(env, "CHAOS_ANTICHEAT_FUNNEL_GIVERS", 4, 2, 1_000),
    funnelWindowMs: hours(numberSetting(env, "CHAOS_ANTICHEAT_FUNNEL_WINDOW_HOURS", 24, 0.01, 24 * 30)),
    sharedAddressAccounts: integerSetting(env, "CHAOS_ANTICHEAT_SHARED_ADDRESS_ACCOUNTS", 10, 2, 100_000),
    sharedAddressWindowMs: hours(numberSetting(env, "CHAOS_ANTICHEAT_SHARED_ADDRESS_WINDOW_HOURS", 24, 0.01, 24 * 30)),
    retentionMs: hours(numberSetting(env, "CHAOS_ANTICHEAT_RETENTION_HOURS", 48, 1, 24 * 365)),
    sweepMs: integerSetting(env, "CHAOS_ANTICHEAT_SWEEP_MS", 5_000, 50, 600_000),
  };
}
