import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import { Code, refusalOf } from "../scripts/test/refusal.js";
import { useStack } from "../scripts/test/stack.js";

// The operator identity (a person with grpcurl and the operator's certificate) under the policy as shipped:
// named reads and support actions, never what mints or moves gold. Other tests run a policy where the
// operator, which drives them, may call everything.

type PolicyFile = { services: Record<string, { allow: Array<{ callers: string[]; methods: string[] }> }> };
const shipped = JSON.parse(fs.readFileSync(new URL("../services/authorization.json", import.meta.url), "utf8")) as PolicyFile;
const operatorMethods = Object.entries(shipped.services).flatMap(([target, { allow }]) =>
  allow.filter((rule) => rule.callers.includes("operator")).flatMap((rule) => rule.methods.map((method) => `${target} ${method}`)),
);
const stack = useStack(["identity", "inventory"], { shippedPolicy: true });

describe("the shipped policy's operator identity (least privilege)", () => {
  it("is granted named methods only, and no test identity is in the policy", () => {
    expect(operatorMethods.length).toBeGreaterThan(0);
    expect(operatorMethods.filter((method) => method.endsWith("/*"))).toEqual([]);
    expect(JSON.stringify(shipped)).not.toContain("echo-client");
  });

  it("may look accounts up and hand out roles, but never mint, move or hold gold or items", () => {
    expect(operatorMethods).toContain("identity /chaos.identity.v1.IdentityInternalService/SetAccountRoles");
    for (const forbidden of ["GrantGold", "GrantItems", "MoveGold", "SpendGold", "ClawbackGold", "PlaceEscrowHold", "TransferEscrowHold", "ApplyDamage", "GrantExperience", "AppendAuditRecord"]) {
      expect(operatorMethods.filter((method) => method.endsWith(`/${forbidden}`)), forbidden).toEqual([]);
    }
  });

  it("holds in the running mesh: inventory refuses the operator's GrantGold and serves its balance read", async () => {
    const inventory = stack.operator.client(InventoryInternalService, "inventory");
    expect(await refusalOf(inventory.grantGold({ characterId: "7d1a0000-0000-4000-8000-000000000001", amount: 1_000_000n, reason: "a stolen certificate", idempotencyKey: "forged" }))).toMatchObject({
      code: Code.PermissionDenied,
    });
    // A read the operator is granted gets past the mesh (authorization runs before validation): an empty request is the service's INVALID_ARGUMENT, not a refusal of the caller.
    const read = await inventory.getAccountBalance({}).then(() => "answered", (error: { code?: number }) => error.code);
    expect(read).toBe(Code.InvalidArgument);
    expect(await refusalOf(stack.operator.client(IdentityInternalService, "identity").listPublicKeys({}))).toMatchObject({ code: Code.PermissionDenied });
  });
});
