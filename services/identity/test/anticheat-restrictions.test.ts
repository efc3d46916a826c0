import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, inject, it } from "vitest";
import { ActionAppliedSchema, ActionLiftedSchema } from "@chaos/gen/chaos/anticheat/v1/events_pb.js";
import { ActionKind, ActionState } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { publishedAction } from "../../../scripts/test/anticheat-actions.js";
import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { topicName } from "@chaos/mesh";
import { signUp } from "../../../scripts/test/players.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { useStack } from "../../../scripts/test/stack.js";
import { cloudEvent, eventually, publish } from "../../../scripts/test/topic-events.js";

// Anticheat is not in the stack: its action events are published as its relay would.
const stack = useStack(["identity"]);
const identity = () => stack.operator.client(IdentityService, "identity");
const anticheatSource = "spiffe://chaos.world/ns/chaos/sa/anticheat";
const internal = () => stack.operator.client(IdentityInternalService, "identity");
const brokers = () => inject("infra").kafka;

/** Logins polled every half second: identity's per-email burst limit (20 a minute) must not be what answers. */
const slowly = <T>(probe: () => Promise<T>) => async () => {
  await new Promise((resolve) => setTimeout(resolve, 500));
  return probe();
};
const loginOf = (player: { email: string; password: string }) => identity().login({ email: player.email, password: player.password, userAgent: "vitest" });
/** Resolves once the session is revoked: the action that revokes it was consumed. */
const revoked = (sessionId: string) => eventually(() => internal().checkSession({ sessionId }), (s) => !s.active);
/** The session id a test player's access token carries. */
const sessionOf = (accessToken: string) => (JSON.parse(Buffer.from(accessToken.split(".")[1]!, "base64url").toString("utf8")) as { sid: string }).sid;

function actionEvent(kind: "applied" | "lifted", playerId: string, actionKind: ActionKind, until: Date | undefined, actionId: string) {
  const action = publishedAction({
    actionId,
    playerId,
    kind: actionKind,
    state: kind === "applied" ? ActionState.ACTIVE : ActionState.OVERTURNED,
    appliedBy: "auto",
    expireTime: until === undefined ? undefined : timestampFromDate(until),
  });
  const topic = `${stack.world}.${topicName("anticheat", "actions")}`;
  return kind === "applied"
    ? cloudEvent(topic, anticheatSource, playerId, ActionAppliedSchema, create(ActionAppliedSchema, { action }))
    : cloudEvent(topic, anticheatSource, playerId, ActionLiftedSchema, create(ActionLiftedSchema, { action }));
}

describe("identity enforces anti-cheat's suspensions and bans", () => {
  it("a suspension revokes the sessions and refuses logins with the until time; lifting it lets the player in again", async () => {
    const player = await signUp(stack);
    const actionId = randomUUID();
    const until = new Date(Date.now() + 3_600_000);
    await publish(brokers(), [actionEvent("applied", player.accountId, ActionKind.SUSPENSION, until, actionId)]);
    await revoked(sessionOf(player.accessToken));

    const refused = await refusalOf(loginOf(player));
    expect(refused).toMatchObject({ code: Code.PermissionDenied, metadata: { until: until.toISOString(), action_id: actionId } });
    // The session open before the suspension is gone: its refresh token no longer works.
    expect((await refusalOf(identity().refreshSession({ refreshToken: player.refreshToken }))).reason).toBe("ERROR_REASON_INVALID_REFRESH_TOKEN");
    // A wrong password is still just a wrong password: the suspension is told only to whoever knows it.
    expect((await refusalOf(identity().login({ email: player.email, password: "not the password at all", userAgent: "vitest" }))).reason).toBe("ERROR_REASON_INVALID_CREDENTIALS");

    await publish(brokers(), [actionEvent("lifted", player.accountId, ActionKind.SUSPENSION, until, actionId)]);
    const { tokens } = await eventually(
      slowly(() => loginOf(player).catch(() => ({ tokens: undefined }))),
      (r) => r.tokens !== undefined,
    );
    expect(tokens).toBeDefined();
    expect((await internal().checkSession({ sessionId: tokens!.sessionId })).active).toBe(true);
  });

  it("a ban refuses logins as banned; a trade restriction or a flag does not touch logins", async () => {
    const banned = await signUp(stack);
    const restricted = await signUp(stack);
    const suspension = randomUUID();
    await publish(brokers(), [
      actionEvent("applied", banned.accountId, ActionKind.BAN, undefined, randomUUID()),
      actionEvent("applied", restricted.accountId, ActionKind.TRADE_RESTRICTION, undefined, randomUUID()),
      actionEvent("applied", restricted.accountId, ActionKind.FLAG, undefined, randomUUID()),
      // A suspension applied and lifted after them on the player's partition: once its revocation shows, the two before were consumed.
      actionEvent("applied", restricted.accountId, ActionKind.SUSPENSION, new Date(Date.now() + 3_600_000), suspension),
      actionEvent("lifted", restricted.accountId, ActionKind.SUSPENSION, undefined, suspension),
    ]);
    await revoked(sessionOf(banned.accessToken));
    expect(await refusalOf(loginOf(banned))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_ACCOUNT_BANNED" });

    await revoked(sessionOf(restricted.accessToken));
    const { tokens } = await eventually(
      slowly(() => loginOf(restricted).catch(() => ({ tokens: undefined }))),
      (r) => r.tokens !== undefined,
    );
    expect(tokens).toBeDefined();
  });
});
