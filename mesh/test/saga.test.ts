import { describe, expect, it } from "vitest";
import { createSagaRunner, sagaMigrations, type SagaStep } from "../src/index.js";
import { useTestDatabase } from "./test-database.js";

const test = useTestDatabase([...sagaMigrations]);

/** A trade-escrow shaped saga whose steps record what they did, so the test sees every effect and undo. */
function escrowSaga(journal: string[], failAt?: string, timeoutMs = 10_000) {
  const step = (name: string): SagaStep<{ holds: string[] }> => ({
    name,
    run: async (state) => {
      if (name === failAt) throw new Error(`${name} refused`);
      journal.push(`do ${name}`);
      return { holds: [...state.holds, name] };
    },
    compensate: async (state) => {
      journal.push(`undo ${name}`);
      return { holds: state.holds.filter((h) => h !== name) };
    },
  });
  return { name: "trade-escrow", timeoutMs, steps: [step("hold-proposer"), step("hold-counterparty"), step("transfer")] };
}

describe("sagas", () => {
  it("run every step and complete", async () => {
    const journal: string[] = [];
    const result = await createSagaRunner(test.db.pool, escrowSaga(journal)).start("trade-1", { holds: [] });
    expect(result.status).toBe("completed");
    expect(journal).toEqual(["do hold-proposer", "do hold-counterparty", "do transfer"]);
  });

  it("undo the completed steps in reverse order when a step fails", async () => {
    const journal: string[] = [];
    const result = await createSagaRunner(test.db.pool, escrowSaga(journal, "transfer")).start("trade-2", { holds: [] });
    expect(result).toMatchObject({ status: "compensated", step: 0, state: { holds: [] }, failure: "step transfer failed: transfer refused" });
    expect(journal).toEqual(["do hold-proposer", "do hold-counterparty", "undo hold-counterparty", "undo hold-proposer"]);
  });

  it("compensate a saga whose deadline passed, from the sweeper", async () => {
    const journal: string[] = [];
    const stuck = escrowSaga(journal, "hold-counterparty", 50);
    // Simulate a saga that progressed, then stalled (its process died): step 1 done and persisted.
    await test.db.pool.query(
      "INSERT INTO mesh_sagas (saga_id, saga_name, state, step, status, deadline) VALUES ('trade-3', 'trade-escrow', $1, 1, 'running', now() - interval '1 second')",
      [JSON.stringify({ holds: ["hold-proposer"] })],
    );
    expect(await createSagaRunner(test.db.pool, stuck).sweep()).toBeGreaterThanOrEqual(1);
    const status = await createSagaRunner(test.db.pool, stuck).status("trade-3");
    expect(status).toMatchObject({ status: "compensated", failure: "timed out after 50 ms" });
    expect(journal).toEqual(["undo hold-proposer"]);
  });

  it("resume from the persisted step after a crash, without redoing finished steps", async () => {
    const journal: string[] = [];
    await test.db.pool.query(
      "INSERT INTO mesh_sagas (saga_id, saga_name, state, step, status, deadline) VALUES ('trade-4', 'trade-escrow', $1, 2, 'running', now() + interval '1 minute')",
      [JSON.stringify({ holds: ["hold-proposer", "hold-counterparty"] })],
    );
    const result = await createSagaRunner(test.db.pool, escrowSaga(journal)).advance("trade-4");
    expect(result.status).toBe("completed");
    expect(journal).toEqual(["do transfer"]);
  });
});
