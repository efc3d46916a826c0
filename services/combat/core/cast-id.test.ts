import { createValidator } from "@bufbuild/protovalidate";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ApplyDamageRequestSchema } from "@chaos/gen/chaos/player/v1/player_internal_service_pb.js";
import { castIdFor } from "./cast-id.js";

const caster = "0f9d3a52-6c1e-4a4b-9a55-2a1f7d5e8c01";

describe("cast ids", () => {
  it("are derived from (caster, idempotency key), so a retry names the same cast", () => {
    expect(castIdFor(caster, "k-1")).toBe(castIdFor(caster, "k-1"));
    expect(castIdFor(caster, "k-1")).toBe(castIdFor(caster.toUpperCase(), "k-1"));
    expect(castIdFor(caster, "k-1")).not.toBe(castIdFor(caster, "k-2"));
    expect(castIdFor(caster, "k-1")).not.toBe(castIdFor("1f9d3a52-6c1e-4a4b-9a55-2a1f7d5e8c01", "k-1"));
  });

  it("are random without a key", () => {
    expect(castIdFor(caster, "")).not.toBe(castIdFor(caster, ""));
  });

  it("are UUIDs the player contract accepts", () => {
    const validator = createValidator();
    for (const castId of [castIdFor(caster, "k-1"), castIdFor(caster, "")]) {
      expect(castId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const request = create(ApplyDamageRequestSchema, { characterId: caster, amount: 1, castId, sourceCharacterId: caster });
      expect(validator.validate(ApplyDamageRequestSchema, request).kind).toBe("valid");
    }
  });
});
