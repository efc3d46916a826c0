/**
 * Backups of the services' databases: one pg_dump archive (custom format) per
 * service database, and a manifest.
 *
 * Logical dumps rather than a base backup with a WAL archive: every service
 * has a database of its own, and a dump restores one service (or all) without
 * rewinding the others, moves between PostgreSQL versions, and needs no
 * archive_command on the server. Each dump is one consistent snapshot of its
 * database (pg_dump's repeatable-read transaction), so a backup is the world
 * as of the moment each dump began, not a cut across databases: taken while
 * the world is quiet they agree; under load, a saga between two services may
 * be at different steps in the two dumps, and its job or re-driver finishes
 * it after a restore (every step is idempotent). Point-in-time recovery to
 * any second needs WAL archiving, which a managed PostgreSQL gives per service
 * in production (see the README).
 *
 * Redis is not backed up: it holds caches and counters the services rebuild
 * (rate-limit windows, token caches) or that only shape the next seconds of
 * play. Kafka is not backed up either: the manifest notes its consumer groups'
 * offsets at the time, for an operator deciding where consumers resume.
 */
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { run } from "../infra/proc.js";

/** One service database to back up: its name, and a URL of a login that may read all of it. */
export interface BackupTarget {
  readonly service: string;
  readonly url: string;
}

/** What a backup holds (manifest.json in its directory). */
export interface BackupManifest {
  readonly format: 1;
  /** ISO 8601, when the first dump began. */
  readonly takenAt: string;
  readonly databases: readonly { readonly service: string; readonly database: string; readonly file: string; readonly bytes: number; readonly seconds: number }[];
  /** Per consumer group, its committed offsets at the time, when the caller gave them. */
  readonly consumerOffsets?: Record<string, readonly { readonly topic: string; readonly partition: number; readonly offset: string }[]>;
}

/** Dumps every target into `dir` (created), two at a time, and writes the manifest. */
export async function backupDatabases(targets: readonly BackupTarget[], dir: string, extra: Pick<BackupManifest, "consumerOffsets"> = {}): Promise<BackupManifest> {
  fs.mkdirSync(dir, { recursive: true });
  const takenAt = new Date().toISOString();
  const queue = [...targets];
  const databases: BackupManifest["databases"][number][] = [];
  const worker = async () => {
    for (let target = queue.shift(); target !== undefined; target = queue.shift()) {
      const database = new URL(target.url).pathname.slice(1);
      const file = `${target.service}.dump`;
      const began = Date.now();
      await run("pg_dump", ["--format=custom", "--no-password", `--dbname=${target.url}`, `--file=${path.join(dir, file)}`], { timeoutMs: 600_000 });
      databases.push({ service: target.service, database, file, bytes: fs.statSync(path.join(dir, file)).size, seconds: (Date.now() - began) / 1000 });
    }
  };
  await Promise.all([worker(), worker()]);
  databases.sort((a, b) => a.service.localeCompare(b.service));
  const manifest: BackupManifest = { format: 1, takenAt, databases, ...extra };
  fs.writeFileSync(path.join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Reads a backup's manifest, saying clearly what is wrong with a directory that is not a backup. */
export function readBackup(dir: string): BackupManifest {
  const file = path.join(dir, "manifest.json");
  if (!fs.existsSync(file)) throw new Error(`${dir} is not a backup: it has no manifest.json`);
  const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as BackupManifest;
  if (manifest.format !== 1) throw new Error(`${file}: unknown backup format ${String(manifest.format)}`);
  for (const { file: dump } of manifest.databases) if (!fs.existsSync(path.join(dir, dump))) throw new Error(`${dir} lacks ${dump}, which its manifest lists`);
  return manifest;
}

/**
 * Replaces each database of the backup (or of `services` only) with its dump:
 * drops it (ending the connections still open to it), and recreates it from
 * the archive with its owner and privileges (pg_restore --create). The roles
 * are the cluster's and must exist. `adminUrl` is a superuser's. Returns the
 * seconds each restore took.
 */
export async function restoreDatabases(dir: string, adminUrl: string, services?: readonly string[]): Promise<Record<string, number>> {
  const manifest = readBackup(dir);
  const chosen = manifest.databases.filter((d) => services === undefined || services.includes(d.service));
  const seconds: Record<string, number> = {};
  for (const { service, database, file } of chosen) {
    const began = Date.now();
    const admin = new pg.Client(adminUrl);
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
    const maintenance = new URL(adminUrl);
    maintenance.pathname = "/postgres";
    await run("pg_restore", ["--create", "--exit-on-error", "--no-password", `--dbname=${maintenance.toString()}`, path.join(dir, file)], { timeoutMs: 600_000 });
    seconds[service] = (Date.now() - began) / 1000;
  }
  return seconds;
}
