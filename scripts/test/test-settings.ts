/**
 * A test's own knob from the environment (how many inputs, players, a seed):
 * a positive integer, `fallback` when unset. The suite runs the defaults; a
 * longer run by hand raises them.
 */
export function positiveIntegerSetting(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${variable} must be a positive integer, got ${raw}`);
  return value;
}
