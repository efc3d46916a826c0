/**
 * npm run generate — regenerates gen/ts and gen/go from proto/ with buf.
 * Generated code is committed; contracts.test.ts fails when it is stale.
 */
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../infra/config.js";
import { buf, ensureContractToolchain, generationTemplates } from "./toolchain.js";

await ensureContractToolchain();
// buf's `clean` would also remove gen/go/go.mod, so clear only generated trees.
for (const dir of ["gen/ts", "gen/go/chaos"]) fs.rmSync(path.join(repoRoot, dir), { recursive: true, force: true });
for (const template of generationTemplates) await buf(["generate", "--template", template]);
console.log("generated gen/ts and gen/go from proto/");
