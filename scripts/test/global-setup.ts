import type { TestProject } from "vitest/node";
import { ensureContractToolchain } from "../contracts/toolchain.js";
import { ensureInfra, stopInfra, type InfraEndpoints } from "../infra/index.js";
import { ensureJaegerBinary } from "../infra/jaeger.js";
import { typecheck } from "../lib/typecheck.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The PostgreSQL, Redis and Kafka this test run uses. */
    infra: InfraEndpoints;
  }
}

/**
 * Runs once before the suite: installs the contract toolchain and makes sure
 * the real servers run. Servers this run started are stopped afterwards;
 * servers that were already up (`npm run infra -- up`) are left running, and
 * CHAOS_KEEP_INFRA=1 keeps the ones started here too. With CHAOS_TYPECHECK=1
 * (`npm test`) the TypeScript projects are type-checked meanwhile: the servers'
 * start is mostly waiting, and tsc is a CPU of work that ran before it (about
 * 20 s of the run); a type error stops the run before any test. Jaeger is
 * built here too (a link from Go's caches, about 9 s; on a new machine its
 * first build, some minutes): built by the one file that needs it, its
 * compile competed with the whole suite for the machine's two cores.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const began = Date.now();
  const [{ endpoints, started }] = await Promise.all([ensureInfra(), ensureContractToolchain(), process.env.CHAOS_TYPECHECK === "1" ? typecheck() : undefined, ensureJaegerBinary()]);
  const fresh = Object.entries(started).filter(([, s]) => s).map(([name]) => name);
  console.log(
    `[setup] infrastructure ready in ${((Date.now() - began) / 1000).toFixed(1)} s ` +
      `(started: ${fresh.join(", ") || "none, reused running servers"}); ` +
      `postgres ${new URL(endpoints.postgresAdminUrl).host}, redis ${new URL(endpoints.redisUrl).host}, kafka ${endpoints.kafka.brokers.join(",")}`,
  );
  project.provide("infra", endpoints);
  return async () => {
    if (process.env.CHAOS_KEEP_INFRA === "1") return;
    await stopInfra(started);
  };
}
