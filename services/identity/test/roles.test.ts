import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { Role } from "@chaos/gen/chaos/identity/v1/account_pb.js";
import { file_chaos_identity_v1_events } from "@chaos/gen/chaos/identity/v1/events_pb.js";
import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { principalHeader } from "@chaos/mesh";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { useStack } from "../../../scripts/test/stack.js";
import { readTopicUntil } from "../../../scripts/test/topic-events.js";

const stack = useStack(["identity"]);
const identity = () => stack.operator.client(IdentityService, "identity");
const internal = () => stack.operator.client(IdentityInternalService, "identity");
const password = "Sunken temple stairs 4";

const rolesClaim = (accessToken: string) => (JSON.parse(Buffer.from(accessToken.split(".")[1]!, "base64url").toString("utf8")) as { roles: string[] }).roles;

describe("roles: how operators make admins and moderators", () => {
  it("grants a role that the next refresh's token carries; taking it away ends the sessions at once; both are events", async () => {
    const email = `Role-${randomUUID()}@Example.com`;
    const { account } = await identity().register({ email, password });
    const { tokens } = await identity().login({ email, password, userAgent: "vitest" });
    expect(rolesClaim(tokens!.accessToken)).toEqual(["player"]);

    // By email, in any case, as an operator would type it.
    const granted = await internal().setAccountRoles({ account: { case: "email", value: email.toUpperCase() }, roles: [Role.ADMIN, Role.MODERATOR], reason: "runs the live events" });
    expect(granted.account?.roles.sort()).toEqual([Role.PLAYER, Role.MODERATOR, Role.ADMIN].sort());
    expect(granted.revokedSessions).toBe(0);
    const { tokens: refreshed } = await identity().refreshSession({ refreshToken: tokens!.refreshToken });
    expect(rolesClaim(refreshed!.accessToken).sort()).toEqual(["admin", "moderator", "player"]);

    const demoted = await internal().setAccountRoles({ account: { case: "accountId", value: account!.accountId }, roles: [Role.MODERATOR], reason: "left the ops team" });
    expect(demoted.account?.roles.sort()).toEqual([Role.PLAYER, Role.MODERATOR].sort());
    expect(demoted.revokedSessions).toBe(1);
    expect((await internal().checkSession({ sessionId: tokens!.sessionId })).active).toBe(false);
    expect((await refusalOf(identity().getAccount({}, { headers: { [principalHeader]: refreshed!.accessToken } }))).code).toBe(Code.Unauthenticated);

    const events = await readTopicUntil(inject("infra").kafka, `${stack.world}.chaos.identity.v1.accounts`, [file_chaos_identity_v1_events], (all) =>
      all.filter((e) => e.subject === account!.accountId && e.type === "chaos.identity.v1.AccountRolesChanged").length >= 2,
    );
    const changes = events.filter((e) => e.subject === account!.accountId && e.type === "chaos.identity.v1.AccountRolesChanged").map((e) => e.message);
    expect(changes[1]).toMatchObject({ accountId: account!.accountId, previousRoles: expect.arrayContaining([Role.ADMIN]), reason: "left the ops team" });
  });

  it("refuses unknown accounts (ACCOUNT_NOT_FOUND) and bad requests (INVALID_ARGUMENT), changing nothing", async () => {
    expect(await refusalOf(internal().setAccountRoles({ account: { case: "email", value: `nobody-${randomUUID()}@example.com` }, roles: [Role.ADMIN], reason: "x" }))).toMatchObject({
      code: Code.NotFound,
      reason: "ERROR_REASON_ACCOUNT_NOT_FOUND",
    });
    for (const bad of [
      { roles: [Role.ADMIN], reason: "no account named" },
      { account: { case: "email" as const, value: "not an email" }, roles: [Role.ADMIN], reason: "x" },
      { account: { case: "email" as const, value: "a@example.com" }, roles: [], reason: "no roles" },
      { account: { case: "email" as const, value: "a@example.com" }, roles: [Role.UNSPECIFIED], reason: "x" },
      { account: { case: "email" as const, value: "a@example.com" }, roles: [Role.ADMIN], reason: "" },
    ]) {
      expect((await refusalOf(internal().setAccountRoles(bad))).code).toBe(Code.InvalidArgument);
    }
  });
});
