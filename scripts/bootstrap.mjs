// Runs before `npm start` and `npm test` with whatever Node the machine has
// (a fresh clone has no node_modules yet): installs the locked dependencies
// when they are missing or older than package-lock.json. Plain JavaScript and
// no dependencies on purpose: it runs before anything is installed.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const lock = path.join(root, "package-lock.json");
const installed = path.join(root, "node_modules", ".package-lock.json");

function stale() {
  if (!fs.existsSync(installed)) return true;
  return fs.statSync(lock).mtimeMs > fs.statSync(installed).mtimeMs;
}

if (stale()) {
  console.log("[bootstrap] installing npm dependencies (npm ci)…");
  const began = Date.now();
  const result = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error("[bootstrap] npm ci failed; see the output above.");
    process.exit(result.status ?? 1);
  }
  console.log(`[bootstrap] dependencies installed in ${((Date.now() - began) / 1000).toFixed(1)} s`);
}
