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

/**
 * Web origins (scheme://host[:port], as browsers send them), comma-separated;
 * "*" (any origin) only where `allowAny` says it means something.
 */
export function originsSetting(env: NodeJS.ProcessEnv, variable: string, fallback: string, options: { readonly allowAny?: boolean } = {}): string[] {
  const raw = env[variable];
  const list = (raw === undefined || raw === "" ? fallback : raw).split(",").map((o) => o.trim()).filter((o) => o !== "");
  const shape = options.allowAny === true ? `origins like "http://localhost:8080" (comma-separated) or "*"` : `origins like "http://localhost:8080" (comma-separated)`;
  for (const origin of list) {
    if (origin === "*" && options.allowAny === true) continue;
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    // Browsers send the origin as scheme://host[:port], nothing more; anything else would never match.
    if (parsed === undefined || !["http:", "https:"].includes(parsed.protocol) || parsed.origin !== origin) {
      throw new Error(`${variable} must list ${shape}, got "${origin}"`);
    }
  }
  if (list.length === 0) throw new Error(`${variable} must list ${shape}, got none`);
  return list;
}
