/**
 * The economy under the workload SpacetimeDB publishes for databases
 * (templates/keynote-2: a two-account read-modify-write transfer, 50
 * concurrent clients, accounts drawn Zipf-distributed with α = 1.5 — about
 * 80% of transfers touch a row another one in flight holds — and a uniform
 * variant, α = 0, nearly uncontended): gold transfers through the product
 * (gateway → inventory, the public SendGold) next to the same draws as bare
 * SQL transactions from Node (`pg`) on the same PostgreSQL server, in one
 * run. Then trades end to end (gateway → trading → inventory's escrow).
 *
 * Their accounts number 100,000; ours are characters made through the
 * product (five per player), so there are fewer. With α = 1.5 that barely
 * changes the contention: the hottest account takes 1/H(n, 1.5) of the draws,
 * 0.39 for 1,000 accounts, 0.38 for 100,000. Every client is driven from this
 * Node process (an HTTP/2 gRPC client for the product, a `pg` connection per
 * client for the baseline), on the same 2 cores as the services.
 */
import type { InfraEndpoints } from "../scripts/infra/index.js";
import { startStack, type Stack } from "../scripts/test/stack.js";
import { createBarePgTransfers } from "./bare-pg-transfers.js";
import { createBenchCharacters } from "./bench-characters.js";
import type { ClosedLoopResult } from "./closed-loop.js";
import { postgresBackends, startCpuMeter, type CpuReading } from "./cpu-meter.js";
import { createGatewayTransfers } from "./gateway-transfers.js";
import { startLockWaitSampler } from "./lock-waits.js";
import { measureTradeSettlement, type TradeLoad, type TradingPair } from "./trade-settlement.js";
import { measureTransfers, type TransferLoad, type TransferPath } from "./transfer-path.js";
import { createUniformSampler, createZipfSampler } from "./zipf.js";

/** The sizes and durations of a run; {@link defaultEconomyPlan} is what `npm run bench` uses. */
export interface EconomyPlan {
  readonly players: number;
  readonly charactersPerPlayer: number;
  /** Each account's gold at the start (the product's starter kit is raised to it), enough that transfers of `amount` rarely fail. */
  readonly initialGold: bigint;
  /** Before each measurement, the same load runs this long unmeasured (connections open, pools fill, code warms). */
  readonly warmupSeconds: number;
  readonly transfers: TransferLoad;
  readonly alpha: number;
  /** Trading pairs, each one trade at a time. */
  readonly tradingPairs: number;
  readonly trades: TradeLoad;
}

export const defaultEconomyPlan: EconomyPlan = {
  players: 200,
  charactersPerPlayer: 5,
  initialGold: 1_000_000n,
  warmupSeconds: 3,
  transfers: { concurrency: 50, seconds: 12, amount: 1n },
  alpha: 1.5,
  tradingPairs: 20,
  trades: { seconds: 20, gold: 1n },
};

/** One transfer measurement. */
export interface TransferRow {
  readonly path: "product" | "bare";
  readonly description: string;
  readonly distribution: "zipf" | "uniform";
  readonly result: ClosedLoopResult;
  /** CPU per successful transfer, by process group, and the machine's load meanwhile. */
  readonly cpu: CpuReading;
  /** PostgreSQL sessions waiting for a lock, on average over the measurement. */
  readonly lockWaiters: number;
}

export interface EconomyBenchResult {
  readonly plan: EconomyPlan;
  readonly accounts: number;
  readonly transfers: readonly TransferRow[];
  readonly trades: { readonly result: ClosedLoopResult; readonly cpu: CpuReading; readonly lockWaiters: number };
  /** The settings the product's stack ran with that differ from the defaults. */
  readonly stackEnv: Readonly<Record<string, string>>;
}

const productPath = "SendGold: client → gateway → inventory (ledger, idempotency, outbox) → PostgreSQL";
const barePath = "bare pg from Node: BEGIN; SELECT both FOR UPDATE; UPDATE ×2; COMMIT";

export async function runEconomyBench(infra: InfraEndpoints, plan: EconomyPlan = defaultEconomyPlan): Promise<EconomyBenchResult> {
  const accounts = plan.players * plan.charactersPerPlayer;
  const distributions = [
    ["zipf", createZipfSampler(accounts, plan.alpha)],
    ["uniform", createUniformSampler(accounts)],
  ] as const;
  const transfers: TransferRow[] = [];

  const bare = await createBarePgTransfers(infra.postgresAdminUrl, { accounts, initialBalance: plan.initialGold, clients: plan.transfers.concurrency });
  try {
    const measured = { databases: [bare.databaseName], processes: {} };
    for (const [distribution, sample] of distributions) transfers.push(await measure("bare", barePath, distribution, bare, sample, measured));
  } finally {
    await bare.close();
  }

  const stackEnv = {
    CHAOS_GATEWAY_IP_RATE: "1000000/s",
    CHAOS_GATEWAY_PLAYER_RATE: "1000000/s",
    CHAOS_INVENTORY_STARTER_GOLD: plan.initialGold.toString(),
    CHAOS_TRADING_PROPOSALS_PER_MINUTE: "100000",
    CHAOS_TRADING_MAX_OPEN_TRADES: "1000",
  };
  const stack = await startStack(infra, ["identity", "player", "inventory", "trading", "gateway"], { env: { CHAOS_LOG_LEVEL: "warn", ...stackEnv } });
  try {
    const started = Date.now();
    console.log(`[bench] economy: creating ${plan.players} players with ${plan.charactersPerPlayer} characters each`);
    const characters = await createBenchCharacters(stack, { players: plan.players, charactersPerPlayer: plan.charactersPerPlayer, starterGold: plan.initialGold });
    console.log(`[bench] economy: ${characters.length} characters ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const product = createGatewayTransfers(stack.gateway.grpc, characters);
    try {
      for (const [distribution, sample] of distributions) transfers.push(await measure("product", productPath, distribution, product, sample, measuredOf(stack)));
    } finally {
      await product.close();
    }

    // Neighbours in the list belong to different players (createBenchCharacters orders them so).
    const pairs: TradingPair[] = Array.from({ length: plan.tradingPairs }, (_, j) => ({ proposer: characters[2 * j]!, counterparty: characters[2 * j + 1]! }));
    await measureTradeSettlement(stack.gateway.grpc, pairs, { ...plan.trades, seconds: plan.warmupSeconds });
    const meters = await startMeters(measuredOf(stack));
    const result = await measureTradeSettlement(stack.gateway.grpc, pairs, plan.trades);
    const trades = { result, ...(await meters.read(result.ok)) };
    console.log(`[bench] trades: ${result.okPerSecond.toFixed(0)} settled/s, accept → settled p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ${JSON.stringify(result.outcomes)}`);
    return { plan, accounts, transfers, trades, stackEnv };
  } finally {
    await stack.stop();
  }

  async function measure(path: TransferRow["path"], description: string, distribution: TransferRow["distribution"], on: TransferPath, sample: () => number, measured: Measured): Promise<TransferRow> {
    await measureTransfers(on, sample, { ...plan.transfers, seconds: plan.warmupSeconds });
    const meters = await startMeters(measured);
    const result = await measureTransfers(on, sample, plan.transfers);
    const { cpu, lockWaiters } = await meters.read(result.ok);
    console.log(`[bench] ${path} transfers, ${distribution}: ${result.okPerSecond.toFixed(0)} TPS, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ${lockWaiters.toFixed(1)} waiting for a lock, ${JSON.stringify(result.outcomes)}`);
    return { path, description, distribution, result, cpu, lockWaiters };
  }

  /** CPU of the measured processes, this one (the clients) and the PostgreSQL backends of the databases; sessions waiting for locks on them. */
  async function startMeters(measured: Measured) {
    const cpu = await startCpuMeter({
      ...measured.processes,
      "bench client (Node)": [process.pid],
      postgres: await postgresBackends(infra.postgresAdminUrl, measured.databases),
    });
    const locks = await startLockWaitSampler(infra.postgresAdminUrl, measured.databases);
    return { read: async (operations: number) => ({ cpu: cpu.read(operations), lockWaiters: await locks.stop() }) };
  }
}

/** What a measurement watches: processes by name, and the databases whose PostgreSQL backends do the work. */
interface Measured {
  readonly processes: Readonly<Record<string, readonly number[]>>;
  readonly databases: readonly string[];
}

/** A stack's service processes and databases. */
function measuredOf(stack: Stack): Measured {
  return {
    processes: Object.fromEntries([...stack.processes].map(([name, p]) => [name, [p.child.pid!]])),
    databases: [...stack.processes.keys()].flatMap((name) => {
      try {
        return [new URL(stack.databaseUrl(name)).pathname.slice(1)];
      } catch {
        return []; // a stateless service
      }
    }),
  };
}
