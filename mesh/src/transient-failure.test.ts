import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { isTransientFailure } from "./transient-failure.js";

const withCode = (code: string, message = "failed") => Object.assign(new Error(message), { code });

describe("isTransientFailure: the world's fault (wait and retry) or the event's (dead-letter)", () => {
  it("waits out a database that is away, busy or in the way", () => {
    for (const sqlState of ["08006", "08001", "40001", "40P01", "53300", "57P01", "57P03", "55P03"]) expect(isTransientFailure(withCode(sqlState)), sqlState).toBe(true);
    expect(isTransientFailure(withCode("ECONNREFUSED"))).toBe(true);
    expect(isTransientFailure(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isTransientFailure(new Error("timeout exceeded when trying to connect"))).toBe(true);
    expect(isTransientFailure(new Error("wrapped", { cause: withCode("ECONNRESET") }))).toBe(true);
  });

  it("waits out a Redis that is away (ioredis gave up on the command, or it timed out)", () => {
    const gaveUp = Object.assign(new Error("Reached the max retries per request limit (which is 2)."), { name: "MaxRetriesPerRequestError" });
    expect(isTransientFailure(gaveUp)).toBe(true);
    expect(isTransientFailure(new Error("Command timed out"))).toBe(true);
    expect(isTransientFailure(new Error("Connection is closed."))).toBe(true);
  });

  it("waits out a called service that is unavailable or overloaded", () => {
    for (const code of [Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted, Code.Aborted]) expect(isTransientFailure(new ConnectError("x", code))).toBe(true);
  });

  it("blames the event for everything else: constraint violations, bad data, refusals, bugs", () => {
    for (const sqlState of ["23505", "23503", "22P02", "42P01", "42501"]) expect(isTransientFailure(withCode(sqlState)), sqlState).toBe(false);
    for (const code of [Code.InvalidArgument, Code.FailedPrecondition, Code.NotFound, Code.PermissionDenied, Code.Internal]) expect(isTransientFailure(new ConnectError("x", code))).toBe(false);
    expect(isTransientFailure(new TypeError("cannot read properties of undefined"))).toBe(false);
    expect(isTransientFailure("a string")).toBe(false);
  });
});
