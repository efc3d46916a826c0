import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../infra/config.js";
import { run } from "../infra/proc.js";
import { buf, generateInto, protoDepsDir } from "./toolchain.js";

/** A file whose generated content differs from the committed one. */
export interface StaleFile {
  readonly file: string;
  readonly problem: "missing" | "extra" | "changed";
}

/**
 * Regenerates every output of buf.gen.yaml into a scratch directory and
 * compares it with the committed gen/ tree. Empty means gen/ is current.
 */
export async function staleGeneratedFiles(): Promise<StaleFile[]> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-gen-"));
  try {
    await generateInto(scratch);
    const fresh = listFiles(scratch).filter((f) => f.startsWith("ts/") || f.startsWith("go/chaos/"));
    const committed = listFiles(path.join(repoRoot, "gen")).filter(
      (f) => f.startsWith("ts/") || f.startsWith("go/chaos/"),
    );
    const stale: StaleFile[] = [];
    for (const file of fresh) {
      const mine = path.join(repoRoot, "gen", file);
      if (!fs.existsSync(mine)) stale.push({ file, problem: "missing" });
      else if (!fs.readFileSync(mine).equals(fs.readFileSync(path.join(scratch, file)))) stale.push({ file, problem: "changed" });
    }
    const freshSet = new Set(fresh);
    for (const file of committed) if (!freshSet.has(file)) stale.push({ file, problem: "extra" });
    return stale;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function listFiles(root: string, prefix = ""): string[] {
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? listFiles(path.join(root, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  );
}

/** The commit `buf breaking` compares against, and why. */
export interface BreakingBaseline {
  readonly commit: string;
  readonly description: string;
}

/**
 * The previous published state of the contracts: HEAD when proto/ has
 * uncommitted changes (the change being made), else HEAD's parent (the change
 * just committed). Undefined when there is no such commit with contracts.
 */
export async function breakingBaseline(): Promise<BreakingBaseline | undefined> {
  const git = (args: string[]) => run("git", args, { cwd: repoRoot }).then((s) => s.trim());
  const dirty = (await git(["status", "--porcelain", "--", "proto"])) !== "";
  const ref = dirty ? "HEAD" : "HEAD~1";
  let commit: string;
  try {
    commit = await git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  } catch {
    return undefined;
  }
  const hasProto = (await git(["ls-tree", "-d", "--name-only", commit, "proto"])) === "proto";
  return hasProto ? { commit, description: `${ref} (${commit.slice(0, 12)})` } : undefined;
}

/**
 * Runs `buf breaking` on the working tree against the contracts of `commit`,
 * for the published packages only (`packageDirs`, e.g. "chaos/combat/v1": a
 * package whose service runs); the others are drafts, free to change until
 * their service is built. The old contracts are built in a scratch workspace
 * beside the same protovalidate dependency, so the comparison does not
 * depend on how that commit's buf.yaml looked.
 */
export async function breakingChanges(commit: string, packageDirs: readonly string[]): Promise<string> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-breaking-"));
  try {
    const archive = path.join(scratch, "proto.tar");
    await run("git", ["archive", "--format=tar", "-o", archive, commit, "proto"], { cwd: repoRoot });
    await run("tar", ["-xf", archive, "-C", scratch]);
    fs.cpSync(protoDepsDir, path.join(scratch, "deps"), { recursive: true });
    fs.writeFileSync(path.join(scratch, "buf.yaml"), "version: v2\nmodules:\n  - path: proto\n  - path: deps\n");
    // Both sides as images of the contracts module alone (the workspace's
    // second module, protovalidate, is not ours to guard).
    const before = path.join(scratch, "before.binpb");
    const now = path.join(scratch, "now.binpb");
    await buf(["build", path.join(scratch, "proto"), "-o", before]);
    await buf(["build", "proto", "-o", now]);
    try {
      await buf(["breaking", now, "--against", before, ...packageDirs.flatMap((dir) => ["--path", dir])]);
      return "";
    } catch (error) {
      return (error as Error).message;
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
