/** Why a password is refused (the "rule" metadata of ERROR_REASON_WEAK_PASSWORD). */
export type PasswordRule = "min_length" | "character_variety" | "contains_email" | "common_password";

/** Shortest password accepted (the contract's min_len, checked here too so the rule holds without the validator). */
export const minPasswordLength = 12;
/** Passwords at least this long may use a single character class (long passphrases are strong on length alone). */
export const singleClassMinLength = 16;

// Stems of the passwords that top every breach corpus; with digits and symbols
// appended ("Password123!") or letters swapped for look-alikes ("P@ssw0rd") they
// are the first guesses of any attacker, whatever the length rule says.
const commonStems = new Set([
  "password",
  "qwerty",
  "qwertyuiop",
  "letmein",
  "welcome",
  "iloveyou",
  "admin",
  "administrator",
  "dragon",
  "monkey",
  "football",
  "baseball",
  "sunshine",
  "princess",
  "trustno",
  "abc",
  "abcdef",
  "master",
  "login",
  "starwars",
  "changeme",
  "secret",
  "chaos",
  "chaosworld",
]);

const lookAlikes: Record<string, string> = { "@": "a", "4": "a", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s", "5": "s", "7": "t" };

/**
 * The first rule `password` breaks for an account with `email`, or undefined
 * when it is acceptable. The rules follow NIST SP 800-63B: length over
 * composition, and a refusal of passwords known to be guessed first.
 */
export function passwordWeakness(password: string, email: string): PasswordRule | undefined {
  if ([...password].length < minPasswordLength) return "min_length";
  if (characterClasses(password) < 2 && [...password].length < singleClassMinLength) return "character_variety";
  const lower = password.toLowerCase();
  const localPart = email.toLowerCase().split("@")[0] ?? "";
  // Three-letter local parts ("bob") are too likely to appear by chance; from four on, containing it means built from it.
  if (lower.includes(email.toLowerCase()) || (localPart.length >= 4 && lower.includes(localPart))) return "contains_email";
  if (isCommon(lower)) return "common_password";
  return undefined;
}

function characterClasses(password: string): number {
  const classes = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u];
  return classes.filter((pattern) => pattern.test(password)).length;
}

function isCommon(lower: string): boolean {
  // "Password123!" → "password"; "P@ssw0rd2024" → "p@ssw0rd" → "password".
  const stem = lower.replace(/\P{L}+$/u, "");
  const plain = [...stem].map((c) => lookAlikes[c] ?? c).join("");
  return commonStems.has(stem) || commonStems.has(plain);
}
