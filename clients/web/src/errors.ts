import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "@chaos/gen/google/rpc/error_details_pb.js";
import { durationMs } from "./time.js";

/** What went wrong, in words for the player, plus the machine reason to branch on. */
export interface Problem {
  /** The ErrorInfo reason without its enum prefix, e.g. "ON_COOLDOWN"; undefined when the server sent none. */
  readonly reason: string | undefined;
  readonly message: string;
  /** The ErrorInfo metadata, e.g. remaining_ms for ON_COOLDOWN. */
  readonly metadata: Readonly<Record<string, string>>;
  /** How long the server asked to wait before a retry (google.rpc.RetryInfo); undefined when it did not say. */
  readonly retryAfterMs?: number;
}

type Metadata = Readonly<Record<string, string>>;

/** What a message is made from: the ErrorInfo metadata, and the server's own words (brief English). */
interface Said {
  readonly metadata: Metadata;
  readonly serverMessage: string;
  readonly retryAfterMs: number | undefined;
}

const seconds = (ms: string | undefined) => (ms === undefined ? "a moment" : `${(Number(ms) / 1000).toFixed(1)} s`);
const sentence = (text: string) => (text === "" ? "" : `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? "" : "."}`);
const retryIn = (said: Said) => (said.retryAfterMs === undefined ? "in a moment" : `in ${Math.max(1, Math.ceil(said.retryAfterMs / 1000))} s`);
const gold = (amount: string | undefined) => (amount === undefined ? "?" : `${Number(amount).toLocaleString("en")} gold`);
const permissionNames: Readonly<Record<string, string>> = {
  GUILD_PERMISSION_INVITE: "invite",
  GUILD_PERMISSION_KICK: "kick",
  GUILD_PERMISSION_PROMOTE: "promote",
  GUILD_PERMISSION_WITHDRAW: "withdraw from the bank",
  GUILD_PERMISSION_EDIT_ROLES: "edit roles",
};

/**
 * Player-facing text per ErrorInfo reason. Services' enums share a reason's
 * name when it means the same; where one means something else in one domain,
 * "<domain>/<REASON>" (see {@link domainMessages}) comes first.
 */
const messages: Record<string, (metadata: Metadata, said: Said) => string> = {
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
  STEP_UP_REQUIRED: () => "Enter your current password to change how you log in.",
  LOGIN_RATE_LIMITED: (_m, said) => `Too many login attempts. Try again ${retryIn(said)}.`,
  PASSKEY_CEREMONY_EXPIRED: () => "That passkey request timed out. Try again.",
  PASSKEY_NOT_VERIFIED: () => "That passkey was not accepted. Use a passkey you added to your account on this site.",
  PASSKEY_MALFORMED: () => "Your browser sent an answer this server does not understand. Try again or use your password.",
  PASSKEY_ALREADY_REGISTERED: () => "This device's passkey is already on your account.",
  PASSKEY_LIMIT_REACHED: (m) => `You already have the maximum of ${m.max ?? "allowed"} passkeys. Remove one first.`,
  PASSKEY_NOT_FOUND: () => "That passkey is no longer on your account.",
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
  RATE_LIMITED: (_, said) => `Slow down: too many requests. Try again ${retryIn(said)}.`,
  EVENT_NOT_FOUND: () => "That live event no longer exists.",
  EVENT_NOT_ACTIVE: () => "That live event is not running right now.",
  EVENT_CANCELLED: () => "That live event was cancelled.",
  NOT_JOINED: () => "Join the event first.",
  TIER_NOT_REACHED: () => "Not there yet: reach the tier's threshold first.",
  TIER_NOT_FOUND: () => "That event has no such reward tier.",
  REWARD_REFUSED: () => "The reward could not be granted. Try again in a moment.",
  ACCOUNT_SUSPENDED: (m) => `This account is suspended${m.until === undefined ? "" : ` until ${new Date(m.until).toLocaleString()}`}. You can see why and appeal.`,
  ACCOUNT_BANNED: () => "This account is banned for breaking the rules. A moderator reviews appeals.",
  TRADING_RESTRICTED: () => "Trading is restricted on this account while a fair-play review runs.",
  GOLD_TRANSFER_RESTRICTED: () => "Gifts of gold to or from that character are restricted while a fair-play review runs.",
  PRODUCT_NOT_FOUND: () => "That pack is no longer for sale.",
  UNSUPPORTED_CURRENCY: () => "That pack is not sold in this currency.",
  TOO_MANY_PENDING_ORDERS: () => "Finish or wait out your open checkouts before starting another.",
  ORDER_NOT_FOUND: () => "That order does not exist, or it is not yours.",
  INVALID_ORDER_STATE: () => "That order cannot be refunded in its current state.",
  REFUND_WINDOW_CLOSED: () => "The refund window for that order has closed.",
  REFUND_ALREADY_REQUESTED: () => "A refund was already requested for that order.",
  REFUND_NOT_FOUND: () => "That refund request no longer exists.",
  INVALID_REFUND_STATE: () => "That refund was already decided.",
  APPEAL_ALREADY_OPEN: () => "You already appealed this action; a moderator will answer.",
  ACTION_NOT_ACTIVE: () => "That action has already ended.",
  NOT_A_MODERATOR: () => "Only moderators can do that.",
  UNAUTHENTICATED: () => "Please log in again.",
  UPSTREAM_UNAVAILABLE: () => "That part of the world is unavailable right now. Try again shortly.",
  // Inventory
  INSUFFICIENT_FUNDS: (m) => (m.required === undefined ? "Not enough gold." : `Not enough gold: you have ${gold(m.balance)}, ${gold(m.required)} needed.`),
  ITEM_NOT_FOUND: () => "That item is no longer in your bags.",
  INSUFFICIENT_QUANTITY: (m) => `You do not have that many${m.available === undefined ? "" : ` (${m.available} available)`}.`,
  ITEM_LOCKED: () => "That item is held in escrow for a trade and cannot be used right now.",
  IDEMPOTENCY_KEY_REUSED: () => "This request was already sent with other contents. Send it again.",
  // Trading
  TRADE_NOT_FOUND: () => "That trade no longer exists, or it is not one of yours.",
  NOT_TRADE_PARTY: () => "Only the character the offer was made to can answer it; the proposer can cancel it.",
  INVALID_TRADE_STATE: (m) => `That trade is already ${m.state ?? "closed"}.`,
  SELF_TRADE: () => "You cannot trade with yourself, nor with another of your own characters.",
  ASSETS_UNAVAILABLE: (_, said) => `${sentence(said.serverMessage) || "Something offered or asked for is not there."} Change the offer and try again.`,
  TRADE_EXPIRED: () => "That offer expired before it was accepted.",
  TOO_MANY_OPEN_TRADES: (m) => `Too many open offers${m.max === undefined ? "" : ` (at most ${m.max})`}. Wait for answers, or cancel some.`,
  EMPTY_TRADE: () => "Offer or ask for something: items or gold.",
  // Guild
  GUILD_NOT_FOUND: () => "That guild does not exist any more.",
  TAG_TAKEN: () => "That tag is taken. Pick another.",
  ALREADY_IN_GUILD: () => "That character is already in a guild.",
  NOT_A_MEMBER: () => "Your character is not in this guild.",
  MEMBER_NOT_FOUND: () => "That character is not a member of your guild.",
  PERMISSION_MISSING: (m) => `Your role may not ${permissionNames[m.permission ?? ""] ?? "do that"}.`,
  RANK_TOO_LOW: () => "You can only act on members and roles ranked below your own.",
  INVITE_NOT_FOUND: () => "That invitation is no longer open.",
  INVITE_EXPIRED: () => "That invitation has expired. Ask for a new one.",
  GUILD_FULL: (m) => `The guild is full${m.max_members === undefined ? "" : ` (${m.max_members} members)`}.`,
  TOO_MANY_PENDING: (m) => `The guild has too many open invitations${m.max_pending === undefined ? "" : ` (at most ${m.max_pending})`}. Revoke some first.`,
  LEADER_CANNOT_LEAVE: () => "The leader cannot leave: hand the leadership to another member, or disband the guild.",
  INSUFFICIENT_BANK_FUNDS: (m) => `The guild bank holds ${gold(m.balance)}; ${gold(m.required)} asked.`,
  WITHDRAWAL_LIMIT_EXCEEDED: (m) =>
    m.remaining === undefined ? "That passes your role's daily withdrawal limit." : `That passes your daily withdrawal limit: ${gold(m.remaining)} left today.`,
  SETTLEMENT_PENDING: () => "The bank has not confirmed yet. Send it again in a moment: it will not move the gold twice.",
  GUILD_DISBANDING: () => "The guild is being disbanded: nothing can change any more.",
  ROLE_NOT_FOUND: () => "That role no longer exists.",
  ROLE_CONFLICT: (m) => `Another role already has this ${m.field ?? "name or rank"}.`,
  ROLE_PROTECTED: () => "The leader's role cannot be changed this way, and the entry role cannot be deleted.",
  ROLE_IN_USE: (m) => `Members still hold this role${m.members === undefined ? "" : ` (${m.members})`}. Give them another role first.`,
  TOO_MANY_ROLES: (m) => `The guild has the most roles it may have${m.max_roles === undefined ? "" : ` (${m.max_roles})`}.`,
  GUILD_INVITE_ONLY: () => "That guild takes members by invitation only.",
  JOIN_REQUEST_NOT_FOUND: () => "That join request is no longer open.",
  NOT_LEADER: () => "Only the guild's leader may do that.",
  // Chat
  CHANNEL_NOT_FOUND: () => "That channel no longer exists.",
  MUTED: (m) => `A moderator muted you here${m.until === undefined ? "" : ` until ${new Date(m.until).toLocaleTimeString()}`}.`,
  MESSAGE_TOO_LONG: (m) => `That message is too long${m.max_length === undefined ? "" : ` (at most ${m.max_length} characters)`}.`,
  DUPLICATE_MESSAGE: (_, said) => `You just said that. Say something new, or wait ${retryIn(said).replace(/^in /, "")}.`,
  BLOCKED: () => "You cannot message this character.",
  TEXT_REFUSED: () => "That message is not allowed here.",
  TOO_MANY_STREAMS: () => "Chat is open in too many windows. Close one and try again.",
  TOO_MANY_FRIENDS: () => "Your friends list is full.",
  PARTY_FULL: () => "That party is full.",
  NOT_INVITED: () => "You have not been invited to that party.",
  // Notifications
  INVALID_TIME_ZONE: () => "That is not a time zone we know. Use a name such as Europe/Paris or UTC.",
  INVALID_QUIET_HOURS: () => "Give quiet hours as two times, such as 22:00 and 07:00.",
  ADMIN_REQUIRED: () => "Only an admin may do that.",
};

/** Reasons whose meaning in one domain differs from the shared one, keyed "<ErrorInfo domain>/<REASON>". */
const domainMessages: Record<string, (metadata: Metadata, said: Said) => string> = {
  "guild.chaos.world/SELF_TARGET": () => "Pick another character: you cannot do that to yourself.",
  "guild.chaos.world/CHARACTER_NOT_FOUND": () => "No character with that id exists.",
  "trading.chaos.world/CHARACTER_NOT_FOUND": () => "No character with that id exists to trade with.",
  "chat.chaos.world/NOT_A_MEMBER": () => "Your character is not in this channel.",
  "chat.chaos.world/NOT_CHARACTER_OWNER": () => "Chat has not heard of this character yet: that takes a moment after it is created. Try again in a few seconds.",
};

/** Turns any error of a call into a Problem, using its ErrorInfo reason and BadRequest field violations. */
export function describeError(error: unknown): Problem {
  const connectError = ConnectError.from(error);
  const info = connectError.findDetails(ErrorInfoSchema)[0];
  const reason = info?.reason.replace(/^ERROR_REASON_/, "") || undefined;
  const metadata = info?.metadata ?? {};
  const retryInfo = connectError.findDetails(RetryInfoSchema)[0];
  const retryAfterMs = retryInfo?.retryDelay === undefined ? undefined : durationMs(retryInfo.retryDelay);
  const known = reason === undefined ? undefined : (domainMessages[`${info?.domain}/${reason}`] ?? messages[reason]);
  if (known !== undefined) return { reason, metadata, retryAfterMs, message: known(metadata, { metadata, serverMessage: connectError.rawMessage, retryAfterMs }) };
  const violations = connectError.findDetails(BadRequestSchema).flatMap((badRequest) => badRequest.fieldViolations);
  if (violations.length > 0) {
    return { reason, metadata, retryAfterMs, message: violations.map((v) => `${v.field.replaceAll("_", " ")}: ${v.description}`).join("; ") };
  }
  // fetch() rejects with a TypeError when the gateway cannot be reached at all (or CORS refuses).
  if (connectError.code === Code.Unavailable || connectError.cause instanceof TypeError) {
    return { reason, metadata, retryAfterMs, message: "Cannot reach the game servers. Check your connection and try again." };
  }
  return { reason, metadata, retryAfterMs, message: sentence(connectError.rawMessage) || "Something went wrong." };
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
