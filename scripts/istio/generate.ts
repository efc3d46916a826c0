/** npm run istio — writes istio/ from the service manifests and removes the generated files that are no longer generated. */
import fs from "node:fs";
import path from "node:path";
import { deploymentDir, renderIstioFiles } from "./render.js";
import { generatedFilesIn } from "./generated-files.js";

const files = await renderIstioFiles();
for (const name of generatedFilesIn(deploymentDir)) {
  if (files[name] !== undefined) continue;
  fs.rmSync(path.join(deploymentDir, name));
  console.log(`removed istio/${name}`);
}
for (const [name, content] of Object.entries(files)) {
  const file = path.join(deploymentDir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === content) continue;
  fs.writeFileSync(file, content);
  console.log(`wrote istio/${name}`);
}
