import { ActionKind } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import type { Thresholds } from "../config.js";

/** The graduated steps, mildest first, each with the threshold that applies it. */
const ladder: readonly { readonly kind: ActionKind; readonly threshold: (t: Thresholds) => number }[] = [
  { kind: ActionKind.FLAG, threshold: (t) => t.review },
  { kind: ActionKind.TRADE_RESTRICTION, threshold: (t) => t.tradeRestriction },
  { kind: ActionKind.SUSPENSION, threshold: (t) => t.suspension },
  { kind: ActionKind.BAN, threshold: (t) => t.ban },
];

/**
 * The automatic actions a score of `score` calls for that are not in force
 * already: every step whose threshold it reached. A ban makes a suspension
 * pointless, so none is applied while one is. A step lifted by its expiry
 * comes back with the next signal if the score still reaches it; a
 * moderator who clears a player resets the score instead.
 */
export function actionsDue(score: number, thresholds: Thresholds, active: ReadonlySet<ActionKind>): ActionKind[] {
  const reached = ladder.filter((step) => score >= step.threshold(thresholds)).map((step) => step.kind);
  const banned = active.has(ActionKind.BAN) || reached.includes(ActionKind.BAN);
  return reached.filter((kind) => !active.has(kind) && !(kind === ActionKind.SUSPENSION && banned));
}

/** Whether an action of this kind keeps the player from logging in. */
export const barsLogin = (kind: ActionKind) => kind === ActionKind.SUSPENSION || kind === ActionKind.BAN;

/** Whether an action of this kind keeps the player from trading. */
export const barsTrading = (kind: ActionKind) => kind !== ActionKind.FLAG && kind !== ActionKind.UNSPECIFIED;
