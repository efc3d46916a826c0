import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "./config.js";
import { ensureDebianPackages } from "./debian.js";
import { portBusyError, portInUse, startChildServer } from "./proc.js";

/** The alert rules every Prometheus of the project loads (checked and unit-tested by promtool in npm test). */
export const alertRulesFile = path.join(repoRoot, "observability", "prometheus", "alerts.yml");

/** One scrape target: a service process's admin face, which serves /metrics. */
export interface ScrapeTarget {
  readonly service: string;
  /** host:port of its admin face. */
  readonly address: string;
}

/** Options of {@link startPrometheus}; every optional field has a documented default. */
export interface PrometheusOptions {
  /** Port of its web UI and HTTP API on 127.0.0.1. */
  readonly port: number;
  /** Its own directory: configuration, target list and time-series database. */
  readonly dir: string;
  readonly targets: readonly ScrapeTarget[];
  /**
   * Scrape and rule evaluation interval, in seconds. Default 5: a local
   * world's charts move while one watches, at a cost of about 20 scrapes a
   * second over loopback for every service.
   */
  readonly intervalSeconds?: number;
}

/** A Prometheus this process started. */
export interface RunningPrometheus {
  /** http://127.0.0.1:<port>: the UI at /, the HTTP API at /api/v1. */
  readonly url: string;
  /** Replaces the scrape targets (a replica started or stopped); Prometheus rereads the file within its refresh interval. */
  setTargets(targets: readonly ScrapeTarget[]): void;
  stop(): Promise<void>;
}

/** The targets of every service in a registry file (services/registry.json or a test stack's): their admin faces. */
export function registryTargets(registryFile: string): ScrapeTarget[] {
  const { services } = JSON.parse(fs.readFileSync(registryFile, "utf8")) as { services: Record<string, { admin?: string }> };
  return Object.entries(services).flatMap(([service, faces]) => (faces.admin === undefined ? [] : [{ service, address: faces.admin }]));
}

/**
 * Starts Prometheus (Debian's package, installed on first use) scraping
 * `targets` and evaluating the project's alert rules. The targets come from
 * a file (file_sd), so a new replica is picked up without a restart. It
 * keeps one day of data: a local world is for watching, not for history.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  await ensureDebianPackages(["prometheus"], "Prometheus (metrics and alerts)");
  if (await portInUse(options.port)) throw portBusyError(options.port, "Prometheus", "CHAOS_PROMETHEUS_PORT");
  const interval = `${options.intervalSeconds ?? 5}s`;
  fs.mkdirSync(options.dir, { recursive: true });
  const targetsFile = path.join(options.dir, "targets.json");
  const writeTargets = (targets: readonly ScrapeTarget[]) => {
    // Written whole and renamed: Prometheus never reads half a file.
    const partial = `${targetsFile}.tmp`;
    fs.writeFileSync(partial, JSON.stringify(targets.map((t) => ({ targets: [t.address], labels: { service: t.service } })), null, 2));
    fs.renameSync(partial, targetsFile);
  };
  writeTargets(options.targets);
  const configFile = path.join(options.dir, "prometheus.yml");
  // JSON is YAML: no YAML writer needed for a file this small.
  fs.writeFileSync(
    configFile,
    JSON.stringify(
      {
        global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
        rule_files: [alertRulesFile],
        scrape_configs: [
          {
            job_name: "chaos",
            // Every series already carries `service` (each process's own label); the target's names `up` too.
            honor_labels: true,
            file_sd_configs: [{ files: [targetsFile], refresh_interval: interval }],
          },
        ],
      },
      null,
      2,
    ),
  );
  const url = `http://127.0.0.1:${options.port}`;
  const { stop } = await startChildServer(
    "Prometheus",
    "prometheus",
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(options.dir, "data")}`,
      "--storage.tsdb.retention.time=1d",
      `--web.listen-address=127.0.0.1:${options.port}`,
    ],
    { logFile: path.join(options.dir, "prometheus.log"), readyUrl: `${url}/-/ready` },
  );
  return { url, setTargets: writeTargets, stop };
}
