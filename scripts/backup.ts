/**
 * npm run backup [-- <dir>]           every service database of the local world (npm start's) into <dir>
 *                                     (default .chaos/backups/<time>), with a manifest and the consumer
 *                                     groups' offsets at the time
 * npm run restore -- <dir> [service…] replaces the databases (all, or the services named) with the backup's;
 *                                     refused while npm start runs, since its services hold the databases
 *
 * What is and is not in a backup, and why logical dumps: scripts/lib/database-backup.ts.
 */
import path from "node:path";
import { dataDir } from "./infra/config.js";
import { ensureInfra, stopInfra } from "./infra/index.js";
import { withKafkaAdmin } from "./infra/kafka.js";
import { backupDatabases, readBackup, restoreDatabases } from "./lib/database-backup.js";
import { markReadModelsStale } from "./lib/read-models.js";
import { acquireRunLock, alreadyRunningMessage } from "./lib/run-lock.js";

const [command, ...args] = process.argv.slice(2);
// The servers a backup or restore had to start itself (npm start not running) are stopped again at the end.
const { endpoints, started } = await ensureInfra();
try {
  const databaseOf = (service: string) => {
    const url = new URL(endpoints.postgresAdminUrl);
    url.pathname = `/${new URL(endpoints.postgresUrls[service]!).pathname.slice(1)}`;
    return url.toString();
  };

  if (command === "backup") {
    const dir = path.resolve(args[0] ?? path.join(dataDir, "backups", new Date().toISOString().replaceAll(":", "-")));
    const consumerOffsets = await withKafkaAdmin(endpoints.kafka, async (admin) => {
      const { groups } = await admin.listGroups();
      const entries = await Promise.all(
        groups.map(async ({ groupId }) => [groupId, (await admin.fetchOffsets({ groupId })).flatMap(({ topic, partitions }) => partitions.map((p) => ({ topic, partition: p.partition, offset: p.offset })))] as const),
      );
      return Object.fromEntries(entries);
    });
    const manifest = await backupDatabases(Object.keys(endpoints.postgresUrls).map((service) => ({ service, url: databaseOf(service) })), dir, { consumerOffsets });
    for (const d of manifest.databases) console.log(`  ${d.service.padEnd(12)} ${d.database.padEnd(22)} ${(d.bytes / 1024).toFixed(0).padStart(6)} KiB  ${d.seconds.toFixed(1)} s`);
    console.log(`backup of ${manifest.databases.length} databases in ${dir}; restore with: npm run restore -- ${dir}`);
  } else if (command === "restore") {
    const [dir, ...services] = args;
    if (dir === undefined) throw new Error("usage: npm run restore -- <backup dir> [service…]");
    const manifest = readBackup(path.resolve(dir));
    const lockFile = path.join(dataDir, "start.lock");
    const lock = acquireRunLock(lockFile);
    if (!lock.acquired) {
      console.error(`${alreadyRunningMessage(lock.holder, lockFile)}\nStop it first: its services hold the databases a restore replaces.`);
      process.exit(1);
    }
    try {
      const seconds = await restoreDatabases(path.resolve(dir), endpoints.postgresAdminUrl, services.length === 0 ? undefined : services);
      for (const [service, s] of Object.entries(seconds)) console.log(`  ${service.padEnd(12)} restored in ${s.toFixed(1)} s`);
      // The read models outside the databases (leaderboards in Redis, analytics' aggregates) still describe the world after the backup.
      markReadModelsStale(dataDir, Object.keys(seconds), path.resolve(dir));
      console.log(
        `restored ${Object.keys(seconds).length} databases as of ${manifest.takenAt}. Consumers resume where their groups are now;` +
          ` the groups' offsets at the backup are in ${path.join(path.resolve(dir), "manifest.json")}. Start the world again with npm start,` +
          ` which rebuilds the read models (leaderboards, analytics' aggregates) from the restored history.`,
      );
    } finally {
      lock.lock.release();
    }
  } else {
    throw new Error(`unknown command ${command ?? "(none)"}: backup or restore`);
  }
} finally {
  await stopInfra(started);
}
