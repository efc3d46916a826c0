import type { DescEnum } from "@bufbuild/protobuf";

/**
 * The proto name of an ErrorReason value ("ERROR_REASON_ON_COOLDOWN"):
 * generated TypeScript enums drop the prefix, the wire contract keeps it.
 */
export function reasonName(reasons: DescEnum, value: number): string {
  const found = reasons.values.find((v) => v.number === value);
  if (found === undefined) throw new Error(`${reasons.typeName} has no value ${value}`);
  return found.name;
}
