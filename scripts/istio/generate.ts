/** npm run istio — writes istio/ from the authorization policy source. */
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../infra/config.js";
import { renderIstioFiles } from "./render.js";

for (const [name, content] of Object.entries(renderIstioFiles())) {
  fs.writeFileSync(path.join(repoRoot, "istio", name), content);
  console.log(`wrote istio/${name}`);
}
