import { Role } from "@chaos/gen/chaos/identity/v1/account_pb.js";

/** An account as stored; credentials and MFA secrets never leave the service. */
export interface AccountRecord {
  readonly accountId: string;
  /** Lower-cased. */
  readonly email: string;
  readonly passwordHash: string;
  /** Role names as the token's `roles` claim carries them, e.g. "player". */
  readonly roles: readonly string[];
  /** The sealed TOTP secret, once enrolled. */
  readonly mfaSecret: Buffer | undefined;
  readonly mfaEnabled: boolean;
  /** The last TOTP time step accepted. */
  readonly mfaLastStep: number | undefined;
  readonly createdAt: Date;
}

/** Every account plays; moderators and admins are granted more later. */
export const playerRole = "player";

const roleValues: Readonly<Record<string, Role>> = { player: Role.PLAYER, moderator: Role.MODERATOR, admin: Role.ADMIN };

/** The contract's Role values of role names (names it does not know are left out). */
export function toRoles(names: readonly string[]): Role[] {
  return names.flatMap((name) => (roleValues[name] === undefined ? [] : [roleValues[name]]));
}

/** The role names of the contract's Role values; every account keeps "player". */
export function roleNamesOf(roles: readonly Role[]): string[] {
  const names = new Set([playerRole]);
  for (const [name, value] of Object.entries(roleValues)) if (roles.includes(value)) names.add(name);
  return [...names];
}

/** Emails compare case-insensitively: everyone types them in whatever case. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The AAD of an account's sealed TOTP secret (core/secret-box.ts). */
export function mfaSecretContext(accountId: string): string {
  return `mfa:${accountId}`;
}
