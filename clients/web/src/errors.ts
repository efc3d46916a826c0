import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "@chaos/gen/google/rpc/error_details_pb.js";

/** What went wrong, in words for the player, plus the machine reason to branch on. */
export interface Problem {
  /** The ErrorInfo reason without its enum prefix, e.g. "ON_COOLDOWN"; undefined when the server sent none. */
  readonly reason: string | undefined;
  readonly message: string;
  /** The ErrorInfo metadata, e.g. remaining_ms for ON_COOLDOWN. */
  readonly metadata: Readonly<Record<string, string>>;
}

type Metadata = Readonly<Record<string, string>>;

const seconds = (ms: string | undefined) => (ms === undefined ? "a moment" : `${(Number(ms) / 1000).toFixed(1)} s`);

/** Player-facing text per ErrorInfo reason (the reasons are shared across services' enums by name). */
const messages: Record<string, (metadata: Metadata) => string> = {
  INVALID_CREDENTIALS: () => "Wrong email or password.",
  ACCOUNT_LOCKED: (m) => `Too many failed attempts. Try again in ${m.retry_after_seconds ?? "a few"} seconds.`,
  EMAIL_TAKEN: () => "An account with this email already exists. Log in instead.",
  WEAK_PASSWORD: (m) => `Choose a stronger password${m.rule === undefined ? "" : ` (${m.rule.replaceAll("_", " ")})`}.`,
  MFA_REQUIRED: () => "Two-factor authentication is on: enter the 6-digit code from your authenticator app.",
  INVALID_MFA_CODE: () => "That code is not valid. Check the code (and your device's clock) and try again.",
  MFA_CODE_REPLAYED: () => "That code was already used. Wait for the next code and try again.",
  MFA_ALREADY_ENABLED: () => "Two-factor authentication is already on.",
  MFA_NOT_ENROLLED: () => "Start two-factor enrolment first.",
  INVALID_REFRESH_TOKEN: () => "Your session has ended. Please log in again.",
  REFRESH_TOKEN_REUSED: () => "Your session was ended for safety. Please log in again.",
  SESSION_NOT_FOUND: () => "That session no longer exists.",
  ACCOUNT_NOT_FOUND: () => "That account no longer exists.",
  CHARACTER_NOT_FOUND: () => "That character does not exist.",
  NOT_CHARACTER_OWNER: () => "That character is not yours.",
  NAME_TAKEN: () => "That name is taken. Pick another.",
  CHARACTER_LIMIT_REACHED: (m) => `You already have the maximum of ${m.max ?? "allowed"} characters.`,
  CHARACTER_DEFEATED: () => "Your character is defeated and must wait to respawn.",
  INVALID_POSITION: () => "That position is outside the zone.",
  ON_COOLDOWN: (m) => `Not ready yet: ${seconds(m.remaining_ms)} of cooldown left.`,
  INSUFFICIENT_MANA: (m) =>
    m.required_mana === undefined ? "Not enough mana." : `Not enough mana: ${m.current_mana ?? "?"} of ${m.required_mana} needed.`,
  OUT_OF_RANGE: (m) =>
    m.max_range === undefined ? "The target is out of range." : `The target is out of range (${Math.round(Number(m.distance))} > ${m.max_range}).`,
  TARGET_DEFEATED: () => "That target is already defeated; it will respawn shortly.",
  CASTER_DEFEATED: () => "Your character is defeated and must wait to respawn.",
  SPELL_NOT_FOUND: () => "Your character does not know that spell.",
  TARGET_NOT_FOUND: () => "That target is gone.",
  DIFFERENT_ZONE: () => "The target is in another zone.",
  SELF_TARGET: () => "You cannot attack yourself.",
  NOT_RANKED: () => "Not on this leaderboard yet.",
  RATE_LIMITED: () => "Slow down: too many requests. Try again in a moment.",
  UNAUTHENTICATED: () => "Please log in again.",
  UPSTREAM_UNAVAILABLE: () => "That part of the world is unavailable right now. Try again shortly.",
};

/** Turns any error of a call into a Problem, using its ErrorInfo reason and BadRequest field violations. */
export function describeError(error: unknown): Problem {
  const connectError = ConnectError.from(error);
  const info = connectError.findDetails(ErrorInfoSchema)[0];
  const reason = info?.reason.replace(/^ERROR_REASON_/, "") || undefined;
  const metadata = info?.metadata ?? {};
  const known = reason === undefined ? undefined : messages[reason];
  if (known !== undefined) return { reason, metadata, message: known(metadata) };
  const violations = connectError.findDetails(BadRequestSchema).flatMap((badRequest) => badRequest.fieldViolations);
  if (violations.length > 0) {
    return { reason, metadata, message: violations.map((v) => `${v.field.replaceAll("_", " ")}: ${v.description}`).join("; ") };
  }
  // fetch() rejects with a TypeError when the gateway cannot be reached at all (or CORS refuses).
  if (connectError.code === Code.Unavailable || connectError.cause instanceof TypeError) {
    return { reason, metadata, message: "Cannot reach the game servers. Check your connection and try again." };
  }
  return { reason, metadata, message: connectError.rawMessage || "Something went wrong." };
}

/** Shows `error` in an alert element (or clears it), exposing the reason as data-reason. */
export function showProblem(alert: HTMLElement, error: unknown): Problem | undefined {
  if (error === undefined) {
    alert.textContent = "";
    alert.hidden = true;
    delete alert.dataset.reason;
    return undefined;
  }
  const problem = describeError(error);
  alert.textContent = problem.message;
  alert.hidden = false;
  if (problem.reason === undefined) delete alert.dataset.reason;
  else alert.dataset.reason = problem.reason;
  return problem;
}
