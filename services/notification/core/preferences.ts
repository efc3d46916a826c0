import { Category } from "@chaos/gen/chaos/notification/v1/notification_pb.js";
import { ErrorReason } from "@chaos/gen/chaos/notification/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import { isKnownTimeZone, minutesOf } from "./quiet-hours.js";
import type { ChannelName, PreferencesRecord } from "./records.js";

/** Every category a player can set. */
export const categories: readonly Category[] = [Category.PROGRESSION, Category.COMBAT, Category.TRADE, Category.GUILD, Category.MATCHMAKING, Category.BILLING, Category.ACCOUNT];

/**
 * A category's channels when the player set none: in-app always, email for
 * what a player would want to hear of while away (trades, guild invites,
 * receipts, the account's standing), and webhooks everywhere (they send only where the player
 * registered one for the category, which is an opt-in of its own).
 */
const defaultChannels: ReadonlyMap<Category, readonly ChannelName[]> = new Map([
  [Category.PROGRESSION, ["in_app", "webhook"]],
  [Category.COMBAT, ["in_app", "webhook"]],
  [Category.TRADE, ["in_app", "email", "webhook"]],
  [Category.GUILD, ["in_app", "email", "webhook"]],
  [Category.MATCHMAKING, ["in_app", "webhook"]],
  [Category.BILLING, ["in_app", "email", "webhook"]],
  [Category.ACCOUNT, ["in_app", "email", "webhook"]],
]);

/** The preferences of a player who never set any. */
export const defaultPreferences: PreferencesRecord = { channels: new Map(), quietHours: undefined, timeZone: "UTC", emailOptOut: false };

/** The channels a notification of `category` uses for this player (the global email opt-out applied). */
export function channelsFor(preferences: PreferencesRecord, category: Category): ReadonlySet<ChannelName> {
  const chosen = new Set<ChannelName>(preferences.channels.get(category) ?? defaultChannels.get(category) ?? ["in_app"]);
  if (preferences.emailOptOut) chosen.delete("email");
  return chosen;
}

/** Every category's channels, defaults filled in (what GetPreferences shows). */
export function allChannels(preferences: PreferencesRecord): ReadonlyMap<Category, readonly ChannelName[]> {
  return new Map(categories.map((category) => [category, preferences.channels.get(category) ?? defaultChannels.get(category) ?? []]));
}

/** What a player asks to set. */
export interface PreferencesUpdate {
  readonly channels: readonly { readonly category: Category; readonly channels: readonly ChannelName[] }[];
  readonly quietHours: { readonly start: string; readonly end: string } | undefined;
  readonly timeZone: string;
  readonly emailOptOut: boolean;
}

/** Checks an update and makes it the stored preferences; a bad zone, time or a category twice is refused with its reason. */
export function validatePreferences(update: PreferencesUpdate): PreferencesRecord {
  const timeZone = update.timeZone === "" ? "UTC" : update.timeZone;
  if (!isKnownTimeZone(timeZone)) {
    throw new DomainError(ErrorReason.INVALID_TIME_ZONE, `"${timeZone}" is not an IANA time zone this server knows (e.g. "Europe/Berlin")`, { time_zone: timeZone });
  }
  if (update.quietHours !== undefined) {
    for (const field of ["start", "end"] as const) {
      const value = update.quietHours[field];
      if (minutesOf(value) === undefined) {
        throw new DomainError(ErrorReason.INVALID_QUIET_HOURS, `quiet_hours.${field} must be a 24-hour "HH:MM" time, got "${value}"`, { field: `quiet_hours.${field}`, value });
      }
    }
  }
  const channels = new Map<Category, readonly ChannelName[]>();
  for (const entry of update.channels) {
    if (channels.has(entry.category)) {
      throw new DomainError(ErrorReason.DUPLICATE_CATEGORY, `category ${Category[entry.category]} is listed twice`, { category: `CATEGORY_${Category[entry.category]}` });
    }
    channels.set(entry.category, [...new Set(entry.channels)]);
  }
  return { channels, quietHours: update.quietHours, timeZone, emailOptOut: update.emailOptOut };
}
