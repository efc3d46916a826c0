import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { errorWithReason } from "../error-info.js";
import { countsAgainstUpstream } from "./breaker.js";

describe("what opens a breaker", () => {
  it("counts unhealthy-upstream codes without a reason", () => {
    expect(countsAgainstUpstream(new ConnectError("overloaded", Code.ResourceExhausted))).toBe(true);
    expect(countsAgainstUpstream(new ConnectError("down", Code.Unavailable))).toBe(true);
  });

  it("does not count one caller's quota (RESOURCE_EXHAUSTED with an ErrorInfo), but does count unavailability with one", () => {
    const locked = errorWithReason(Code.ResourceExhausted, "account locked", { reason: "ERROR_REASON_ACCOUNT_LOCKED", domain: "identity.chaos.world" });
    expect(countsAgainstUpstream(locked)).toBe(false);
    const down = errorWithReason(Code.Unavailable, "owner down", { reason: "ERROR_REASON_UPSTREAM_UNAVAILABLE", domain: "gateway.chaos.world" });
    expect(countsAgainstUpstream(down)).toBe(true);
  });

  it("counts DEADLINE_EXCEEDED only when the attempt had at least the minimum budget", () => {
    const late = new ConnectError("deadline exceeded", Code.DeadlineExceeded);
    expect(countsAgainstUpstream(late, 5, 1_000)).toBe(false);
    expect(countsAgainstUpstream(late, 1_000, 1_000)).toBe(true);
    expect(countsAgainstUpstream(late)).toBe(true);
    expect(countsAgainstUpstream(new ConnectError("down", Code.Unavailable), 5, 1_000)).toBe(true);
  });

  it("does not count the caller's problems or anything that is not a ConnectError", () => {
    expect(countsAgainstUpstream(new ConnectError("bad", Code.InvalidArgument))).toBe(false);
    expect(countsAgainstUpstream(new Error("boom"))).toBe(false);
  });
});
