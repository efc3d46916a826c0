import { createHash } from "node:crypto";
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
  await onceFor(marker, modules.join("\n"), purpose, async () => {
    for (const module of modules) await run("go", ["install", module], { env: { ...process.env, GOBIN: goBinDir }, timeoutMs: 900_000 });
  });
}

/**
 * Builds `pkg` with the Go module in `moduleDir` (one whose go.mod names it
 * as a tool and whose go.sum pins it) into .chaos/bin/`name`, once per
 * go.mod and go.sum: for programs `go install module@version` refuses (their
 * go.mod has replace directives). Built beside the binary and renamed, so a
 * build cut short never leaves half a program. Returns the binary's path.
 */
export async function goBuild(moduleDir: string, pkg: string, name: string, purpose: string): Promise<string> {
  const binary = path.join(goBinDir, name);
  const pins = createHash("sha256").update(fs.readFileSync(path.join(moduleDir, "go.mod"))).update(fs.readFileSync(path.join(moduleDir, "go.sum"))).digest("hex");
  await onceFor(`.${name}-build`, pins, purpose, async () => {
    const partial = `${binary}.${process.pid}.partial`;
    await run("go", ["build", "-o", partial, pkg], { cwd: moduleDir, timeoutMs: 1_800_000 });
    fs.renameSync(partial, binary);
  });
  return binary;
}

/** Runs `work` unless `marker` (a file in .chaos/bin) says `wanted` was done; writes it last, so a failed run is tried again. */
async function onceFor(marker: string, wanted: string, purpose: string, work: () => Promise<void>): Promise<void> {
  const markerFile = path.join(goBinDir, marker);
  if (readOr(markerFile) === wanted) return;
  if (!onPath("go")) throw new Error(`Go is needed to install ${purpose}: install Go 1.24+ (on Debian: apt-get install -y golang-go).`);
  fs.mkdirSync(goBinDir, { recursive: true });
  await work();
  fs.writeFileSync(markerFile, wanted);
}

function readOr(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
