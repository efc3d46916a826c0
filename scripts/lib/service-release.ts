import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../infra/config.js";
import { serviceBundle } from "./service-bundle.js";

/** A build of a service kept for as long as a process may run it or a rollout may go back to it. */
export interface ServiceRelease {
  /** Names the build: the same id for the same bundle file. */
  readonly id: string;
  /** The bundle to start (see SpawnServiceOptions.bundle). */
  readonly bundle: string;
}

/** How many releases of a service are kept: the one running, the one before it (a rollback's), and one more. */
const keptReleases = 3;

/**
 * The current source of a service as a release: built when stale (serviceBundle), then kept under
 * `.chaos/build/releases/<service>/<id>/` by hard links, so the next build, which renames a new file over the
 * bundle, leaves this one as it was: a process restarted after a crash starts the code it ran, and a rollout
 * can start the previous release again. Costs no copy; the oldest releases beyond three are removed.
 */
export async function serviceRelease(name: string): Promise<ServiceRelease> {
  const bundle = await serviceBundle(name);
  const stat = fs.statSync(bundle);
  // A build writes a new file and renames it over the last: its inode and time tell builds apart.
  const id = `${Math.round(stat.mtimeMs).toString(36)}-${stat.ino.toString(36)}`;
  const dir = path.join(releasesDir, name, id);
  const kept = path.join(dir, path.basename(bundle));
  if (!fs.existsSync(kept)) {
    const partial = `${dir}.${process.pid}.tmp`;
    fs.rmSync(partial, { recursive: true, force: true });
    fs.mkdirSync(partial, { recursive: true });
    // The map keeps its name beside the bundle, so the bundle's sourceMappingURL still finds it.
    fs.linkSync(bundle, path.join(partial, path.basename(bundle)));
    fs.linkSync(`${bundle}.map`, path.join(partial, `${path.basename(bundle)}.map`));
    fs.renameSync(partial, dir);
    prune(name);
  }
  return { id, bundle: kept };
}

/** Beside the bundles: the same file system (hard links), and inside the repository, so what a package requires at run time resolves. */
const releasesDir = path.join(repoRoot, ".chaos", "build", "releases");

function prune(name: string): void {
  const dir = path.join(releasesDir, name);
  const releases = fs
    .readdirSync(dir)
    .filter((entry) => !entry.endsWith(".tmp"))
    .map((entry) => ({ entry, at: fs.statSync(path.join(dir, entry)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const { entry } of releases.slice(keptReleases)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
}
