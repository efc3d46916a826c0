/**
 * Reading a service's settings from the environment: an unset or empty
 * variable takes the documented default, anything else must parse and lie in
 * range, or start-up stops with a message naming the variable and the value.
 */

/** A whole number in [min, max]. */
export function integerSetting(env: NodeJS.ProcessEnv, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`${variable} must be a whole number in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

/** A finite number (fractions allowed) in [min, max]. */
export function numberSetting(env: NodeJS.ProcessEnv, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value < min || value > max) throw new Error(`${variable} must be a number in [${min}, ${max}], got "${raw}"`);
  return value;
}
