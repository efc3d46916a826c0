import fs from "node:fs";
import path from "node:path";
import { dataDir, repoRoot } from "../infra/config.js";
import { ensureDebianPackages } from "../infra/debian.js";
import { onPath, run } from "../infra/proc.js";

/**
 * protovalidate's contract (buf/validate/validate.proto). The Buf Schema
 * Registry is out of reach from our machines, so the file comes from the
 * protovalidate jar on Maven Central, which ships it; same release line as
 * @bufbuild/protovalidate in package.json.
 */
const protovalidateVersion = "1.3.0";

/** Go code generators, installed with `go install` into .chaos/bin. */
const goPlugins = {
  "protoc-gen-go": "google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12",
  "protoc-gen-go-grpc": "google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2",
  "protoc-gen-connect-go": "connectrpc.com/connect/cmd/protoc-gen-connect-go@v1.21.1",
} as const;

/** Directory of third-party .proto files buf.yaml's second module points at. */
export const protoDepsDir = path.join(repoRoot, ".chaos", "deps", "proto");
/** Where the Go plugins are installed. */
export const goBinDir = path.join(repoRoot, ".chaos", "bin");

/** Extracts buf/validate/validate.proto from the protovalidate jar, once. */
export async function ensureProtoDeps(): Promise<void> {
  const target = path.join(protoDepsDir, "buf", "validate", "validate.proto");
  const marker = path.join(protoDepsDir, ".protovalidate-version");
  if (fs.existsSync(target) && readOr(marker) === protovalidateVersion) return;
  if (!onPath("mvn") || !onPath("jar")) await ensureDebianPackages(["maven", "openjdk-17-jdk-headless"], "fetching protovalidate's .proto from Maven Central");
  const jarDir = path.join(dataDir, "deps");
  fs.mkdirSync(protoDepsDir, { recursive: true });
  await run("mvn", [
    "-q", "-B", "dependency:copy", `-Dartifact=build.buf:protovalidate:${protovalidateVersion}`, `-DoutputDirectory=${jarDir}`,
  ], { timeoutMs: 300_000 });
  await run("jar", ["xf", path.join(jarDir, `protovalidate-${protovalidateVersion}.jar`), "buf/validate/validate.proto"], { cwd: protoDepsDir });
  fs.writeFileSync(marker, protovalidateVersion);
}

/** Installs the Go code generators at their pinned versions, once. */
export async function ensureGoPlugins(): Promise<void> {
  const marker = path.join(goBinDir, ".versions");
  const wanted = JSON.stringify(goPlugins);
  if (readOr(marker) === wanted) return;
  if (!onPath("go")) {
    throw new Error("Go is needed to install the Go protobuf plugins: install Go 1.24+ (on Debian: apt-get install -y golang-go).");
  }
  fs.mkdirSync(goBinDir, { recursive: true });
  for (const module of Object.values(goPlugins)) {
    await run("go", ["install", module], { env: { ...process.env, GOBIN: goBinDir }, timeoutMs: 600_000 });
  }
  fs.writeFileSync(marker, wanted);
}

/** Everything `buf` needs before lint, breaking and generation. */
export async function ensureContractToolchain(): Promise<void> {
  await Promise.all([ensureProtoDeps(), ensureGoPlugins()]);
}

/** Runs the buf CLI from node_modules. */
export function buf(args: readonly string[], cwd = repoRoot): Promise<string> {
  // protoc-gen-es (and the node it runs on) come from node_modules/.bin, also
  // when this runs outside an npm script.
  const bin = path.join(repoRoot, "node_modules", ".bin");
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` };
  return run(path.join(bin, "buf"), args, { cwd, env, timeoutMs: 300_000 });
}

function readOr(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
