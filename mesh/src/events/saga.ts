import type pg from "pg";
import type { Migration } from "../persistence/migrations.js";

/** Table of saga instances; apply with a service's migrations. */
export const sagaMigrations: readonly Migration[] = [
  {
    name: "0000_mesh_sagas.sql",
    checksum: "mesh-saga-1",
    sql: `
      CREATE TABLE IF NOT EXISTS mesh_sagas (
        saga_id text PRIMARY KEY,
        saga_name text NOT NULL,
        state jsonb NOT NULL,
        -- Steps completed so far; the next step to run has this index.
        step integer NOT NULL DEFAULT 0,
        status text NOT NULL CHECK (status IN ('running', 'completed', 'compensating', 'compensated')),
        failure text,
        deadline timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX IF NOT EXISTS mesh_sagas_open ON mesh_sagas (deadline) WHERE status IN ('running', 'compensating');`,
  },
];

/** One step: what it does, and how to undo it if a later step fails. Both must be idempotent (a crash may repeat them). */
export interface SagaStep<S> {
  readonly name: string;
  /** Does the step; returns the state to persist (e.g. with a hold id it created). */
  run(state: S): Promise<S>;
  /** Undoes the step; absent when there is nothing to undo. */
  compensate?(state: S): Promise<S>;
}

/** A multi-step process with compensations. */
export interface SagaDefinition<S> {
  readonly name: string;
  readonly steps: readonly SagaStep<S>[];
  /** A saga still running after this long is compensated. */
  readonly timeoutMs: number;
}

/** Where a saga instance stands. */
export interface SagaStatus<S> {
  readonly status: "running" | "completed" | "compensating" | "compensated";
  readonly step: number;
  readonly state: S;
  readonly failure: string | null;
}

/**
 * Runs sagas whose progress lives in PostgreSQL: after every step the state
 * and step index are saved, so a crashed process's saga continues where it
 * stopped when `advance` runs again (from a consumer of the events that move
 * it, or the sweeper). A failing step, or the deadline passing, turns the
 * saga to compensation: the completed steps are undone in reverse order.
 * One runner at a time per instance (row lock, SKIP LOCKED).
 */
export function createSagaRunner<S>(pool: pg.Pool, saga: SagaDefinition<S>) {
  const save = (client: pg.PoolClient, id: string, patch: { step: number; state: S; status: string; failure?: string | null }) =>
    client.query("UPDATE mesh_sagas SET step = $2, state = $3, status = $4, failure = COALESCE($5, failure), updated_at = now() WHERE saga_id = $1", [
      id,
      patch.step,
      JSON.stringify(patch.state),
      patch.status,
      patch.failure ?? null,
    ]);

  return {
    /** Records a new instance (idempotent by id) and runs it as far as it goes. */
    async start(id: string, initial: S): Promise<SagaStatus<S>> {
      await pool.query(
        "INSERT INTO mesh_sagas (saga_id, saga_name, state, status, deadline) VALUES ($1, $2, $3, 'running', now() + $4 * interval '1 millisecond') ON CONFLICT (saga_id) DO NOTHING",
        [id, saga.name, JSON.stringify(initial), saga.timeoutMs],
      );
      return this.advance(id);
    },

    /** Runs the instance's remaining steps (or compensations) now. */
    async advance(id: string): Promise<SagaStatus<S>> {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const { rows } = await client.query<{ step: number; state: S; status: SagaStatus<S>["status"]; failure: string | null; expired: boolean }>(
          "SELECT step, state, status, failure, deadline < now() AS expired FROM mesh_sagas WHERE saga_id = $1 AND saga_name = $2 FOR UPDATE SKIP LOCKED",
          [id, saga.name],
        );
        const row = rows[0];
        if (row === undefined) {
          await client.query("ROLLBACK");
          return this.status(id);
        }
        let { step, state, status } = row;
        let failure = row.failure;
        if (status === "running" && row.expired) {
          status = "compensating";
          failure = `timed out after ${saga.timeoutMs} ms`;
          await save(client, id, { step, state, status, failure });
        }
        while (status === "running" && step < saga.steps.length) {
          try {
            state = await saga.steps[step]!.run(state);
            step++;
            await save(client, id, { step, state, status: step === saga.steps.length ? "completed" : "running" });
            if (step === saga.steps.length) status = "completed";
          } catch (error) {
            status = "compensating";
            failure = `step ${saga.steps[step]!.name} failed: ${(error as Error).message}`;
            await save(client, id, { step, state, status, failure });
          }
        }
        while (status === "compensating") {
          if (step === 0) {
            status = "compensated";
            await save(client, id, { step, state, status });
            break;
          }
          // Undo the last completed step; if undoing fails, the saga stays compensating and is retried later.
          const undo = saga.steps[step - 1]!.compensate;
          if (undo !== undefined) state = await undo(state);
          step--;
          await save(client, id, { step, state, status });
        }
        await client.query("COMMIT");
        return { status, step, state, failure };
      } catch (error) {
        // Keep the progress saved so far (steps done, compensations done); the next advance resumes from it.
        await client.query("COMMIT").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },

    /** Advances every open instance whose deadline passed (run it periodically). */
    async sweep(): Promise<number> {
      const { rows } = await pool.query<{ saga_id: string }>(
        "SELECT saga_id FROM mesh_sagas WHERE saga_name = $1 AND status IN ('running', 'compensating') AND deadline < now()",
        [saga.name],
      );
      for (const row of rows) await this.advance(row.saga_id);
      return rows.length;
    },

    /** The stored status of an instance. */
    async status(id: string): Promise<SagaStatus<S>> {
      const { rows } = await pool.query<{ step: number; state: S; status: SagaStatus<S>["status"]; failure: string | null }>(
        "SELECT step, state, status, failure FROM mesh_sagas WHERE saga_id = $1",
        [id],
      );
      if (rows[0] === undefined) throw new Error(`no saga ${id}`);
      return rows[0];
    },
  };
}
