import fs from "node:fs";
import path from "node:path";
import { dataDir, repoRoot } from "../infra/config.js";
import { ensureDebianPackages } from "../infra/debian.js";
import { goBinDir, goInstall } from "../infra/go-install.js";
import { onPath, run } from "../infra/proc.js";

/**
 * Third-party contracts our code imports or serves, taken from jars on Maven
 * Central because the Buf Schema Registry is out of reach from our machines:
 * - buf/validate/validate.proto from protovalidate (same release line as
 *   @bufbuild/protovalidate in package.json);
 * - google/rpc status and error details (ErrorInfo) from Google's common protos;
 * - grpc.health.v1 and grpc.reflection from grpc-java's services jar.
 */
const protoJars = [
  { artifact: "build.buf:protovalidate:1.3.0", files: ["buf/validate/validate.proto"] },
  { artifact: "com.google.api.grpc:proto-google-common-protos:2.63.2", files: ["google/rpc/status.proto", "google/rpc/error_details.proto", "google/rpc/code.proto"] },
  { artifact: "io.grpc:grpc-services:1.85.1", files: ["grpc/health/v1/health.proto", "grpc/reflection/v1/reflection.proto", "grpc/reflection/v1alpha/reflection.proto"] },
] as const;

/** Go code generators, installed with `go install` into .chaos/bin. */
const goPlugins = {
  "protoc-gen-go": "google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12",
  "protoc-gen-go-grpc": "google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2",
  "protoc-gen-connect-go": "connectrpc.com/connect/cmd/protoc-gen-connect-go@v1.21.1",
} as const;

/** buf generation templates, run in this order (see each file's header). */
export const generationTemplates = ["buf.gen.yaml", "buf.gen.deps.yaml"] as const;

/**
 * Runs every generation template with its outputs under `dir` instead of
 * gen/ (gen/ts → <dir>/ts, gen/go → <dir>/go): the check compares such a tree
 * with gen/, and `npm run generate` swaps one in.
 */
export async function generateInto(dir: string): Promise<void> {
  const templateDir = fs.mkdtempSync(path.join(dir, ".templates-"));
  try {
    for (const name of generationTemplates) {
      const template = fs.readFileSync(path.join(repoRoot, name), "utf8").replaceAll("out: gen/", `out: ${dir}/`);
      fs.writeFileSync(path.join(templateDir, name), template);
      await buf(["generate", "--template", path.join(templateDir, name)]);
    }
  } finally {
    fs.rmSync(templateDir, { recursive: true, force: true });
  }
}

/**
 * Third-party clients the tests drive as real processes (installed on first
 * use, not by `npm start`): grpcurl for operators' reflection-based calls,
 * grpc-health-probe as Kubernetes uses it.
 */
const goClientTools = {
  grpcurl: "github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.3",
  "grpc-health-probe": "github.com/grpc-ecosystem/grpc-health-probe@v0.4.61",
} as const;

/** Installs grpcurl and grpc-health-probe into .chaos/bin once; returns their paths. */
export async function ensureGoClientTools(): Promise<Record<keyof typeof goClientTools, string>> {
  await goInstall(Object.values(goClientTools), ".client-tool-versions", "grpcurl and grpc-health-probe");
  return { grpcurl: path.join(goBinDir, "grpcurl"), "grpc-health-probe": path.join(goBinDir, "grpc-health-probe") };
}

/** Builds the Go interop client (clients/go-interop) against the generated Go code; returns its path. */
export async function buildGoInteropClient(): Promise<string> {
  const output = path.join(goBinDir, "chaos-interop");
  await run("go", ["build", "-o", output, "."], { cwd: path.join(repoRoot, "clients", "go-interop"), timeoutMs: 600_000 });
  return output;
}

/** Builds the Go game client (clients/go-interop/journey) that plays through the gateway; returns its path. */
export async function buildGoJourneyClient(): Promise<string> {
  const output = path.join(goBinDir, "chaos-journey");
  await run("go", ["build", "-o", output, "./journey"], { cwd: path.join(repoRoot, "clients", "go-interop"), timeoutMs: 600_000 });
  return output;
}

/** Directory of third-party .proto files buf.yaml's second module points at. */
export const protoDepsDir = path.join(repoRoot, ".chaos", "deps", "proto");
/** Where the Go plugins are installed. */

/** Extracts the third-party .proto files from their jars, once per version set. */
export async function ensureProtoDeps(): Promise<void> {
  const marker = path.join(protoDepsDir, ".artifacts");
  const wanted = JSON.stringify(protoJars);
  if (readOr(marker) === wanted) return;
  if (!onPath("mvn") || !onPath("jar")) await ensureDebianPackages(["maven", "openjdk-17-jdk-headless"], "fetching third-party .proto files from Maven Central");
  const jarDir = path.join(dataDir, "deps", "jars");
  fs.rmSync(protoDepsDir, { recursive: true, force: true });
  fs.mkdirSync(protoDepsDir, { recursive: true });
  for (const { artifact, files } of protoJars) {
    await run("mvn", ["-q", "-B", "dependency:copy", `-Dartifact=${artifact}`, `-DoutputDirectory=${jarDir}`], { timeoutMs: 300_000 });
    const [, name, version] = artifact.split(":");
    await run("jar", ["xf", path.join(jarDir, `${name}-${version}.jar`), ...files], { cwd: protoDepsDir });
  }
  fs.writeFileSync(marker, wanted);
}

/** Installs the Go code generators at their pinned versions, once. */
export function ensureGoPlugins(): Promise<void> {
  return goInstall(Object.values(goPlugins), ".versions", "the Go protobuf plugins");
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
