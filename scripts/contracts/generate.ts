/**
 * npm run generate — regenerates gen/ts and gen/go from proto/ with buf.
 * Generated code is committed; contracts.test.ts fails when it is stale.
 *
 * The new trees are generated beside gen/ and then swapped in, so code that
 * imports gen/ (a test run, a service starting) never finds it half written:
 * clearing gen/ first left it without modules for the whole generation.
 */
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../infra/config.js";
import { ensureContractToolchain, generateInto } from "./toolchain.js";

await ensureContractToolchain();
// Beside gen/, on its file system, so the swap is a rename (git ignores .gen-*).
const scratch = fs.mkdtempSync(path.join(repoRoot, ".gen-"));
try {
  await generateInto(scratch);
  // buf's `clean` would also remove gen/go/go.mod, so only the generated trees are swapped.
  for (const tree of ["ts", "go/chaos"]) {
    const target = path.join(repoRoot, "gen", tree);
    const retired = path.join(scratch, `retired-${tree.replaceAll("/", "-")}`);
    if (fs.existsSync(target)) fs.renameSync(target, retired);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(path.join(scratch, tree), target);
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
console.log("generated gen/ts and gen/go from proto/");
