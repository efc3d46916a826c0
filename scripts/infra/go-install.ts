import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "./config.js";
import { onPath, run } from "./proc.js";

/** Where the project's Go tools go (servers, code generators, clients): `go install` with GOBIN here. */
export const goBinDir = path.join(repoRoot, ".chaos", "bin");

/**
 * Installs Go modules (`module@version`, from the Go module proxy) into
 * .chaos/bin, once: `marker` (a file name in .chaos/bin) records what was
 * installed and is written last, so a failed install is tried again and a new
 * version replaces the old. `purpose` names the tools when Go is missing.
 */
export async function goInstall(modules: readonly string[], marker: string, purpose: string): Promise<void> {
  const markerFile = path.join(goBinDir, marker);
  const wanted = modules.join("\n");
  if (readOr(markerFile) === wanted) return;
  if (!onPath("go")) throw new Error(`Go is needed to install ${purpose}: install Go 1.24+ (on Debian: apt-get install -y golang-go).`);
  fs.mkdirSync(goBinDir, { recursive: true });
  for (const module of modules) await run("go", ["install", module], { env: { ...process.env, GOBIN: goBinDir }, timeoutMs: 900_000 });
  fs.writeFileSync(markerFile, wanted);
}

function readOr(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
