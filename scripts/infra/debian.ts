import { run, onPath } from "./proc.js";

let updated = false;
// apt/dpkg take a global lock: installs requested concurrently run one after another.
let queue: Promise<void> = Promise.resolve();

/**
 * Makes sure Debian packages are installed. On a Debian machine as root the
 * bootstrap installs what is missing itself; anywhere else it stops with the
 * exact command to run.
 */
export function ensureDebianPackages(packages: readonly string[], why: string): Promise<void> {
  const next = queue.then(() => install(packages, why));
  queue = next.catch(() => undefined);
  return next;
}

async function install(packages: readonly string[], why: string): Promise<void> {
  const missing: string[] = [];
  for (const p of packages) if (!(await installed(p))) missing.push(p);
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${missing.join(" ")}`;
  if (!onPath("apt-get")) {
    throw new Error(`${why} needs ${missing.join(", ")}, which is not installed. Install it with your package manager (on Debian: ${command}).`);
  }
  if (process.getuid?.() !== 0) {
    throw new Error(`${why} needs ${missing.join(", ")}. Run: sudo apt-get update && sudo ${command}`);
  }
  console.log(`[infra] installing Debian packages for ${why}: ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (!updated) {
    await run("apt-get", ["update", "-qq"], { env, timeoutMs: 300_000 });
    updated = true;
  }
  await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { env, timeoutMs: 600_000 });
}

async function installed(pkg: string): Promise<boolean> {
  try {
    return (await run("dpkg-query", ["-W", "-f=${Status}", pkg])).includes("install ok installed");
  } catch {
    return false;
  }
}
