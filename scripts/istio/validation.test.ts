import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { repoRoot } from "../infra/config.js";
import { generatedFilesIn } from "./generated-files.js";
import { deploymentDir } from "./render.js";
import { ensureDeployValidators, kubeconform, type DeployValidators } from "./toolchain.js";

let validators: DeployValidators;
let scratch: string;

beforeAll(async () => {
  const began = Date.now();
  validators = await ensureDeployValidators();
  console.log(`[istio] kubeconform, Kubernetes ${validators.kubernetesVersion} and Istio schemas, hadolint ready in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-istio-"));
}, 900_000);

afterAll(() => {
  if (scratch !== undefined) fs.rmSync(scratch, { recursive: true, force: true });
});

/** A committed resource of istio/ with `change` applied, written alone to a file to validate. */
// `any`: the tests reach into resources of every kind, as YAML gives them.
function mutated(file: string, kind: string, name: string, change: (resource: Record<string, any>) => void): string {
  const documents = parseAllDocuments(fs.readFileSync(path.join(deploymentDir, file), "utf8")).map((document) => document.toJS() as Record<string, any>);
  const resource = documents.find((document) => document.kind === kind && document.metadata.name === name);
  if (resource === undefined) throw new Error(`istio/${file} has no ${kind} ${name}`);
  change(resource);
  const target = path.join(scratch, `${kind}-${name}-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(target, stringify(resource));
  return target;
}

/** Renames a key of an object, keeping its value. */
function rename(object: Record<string, unknown>, from: string, to: string): void {
  expect(object, `the field ${from} to misspell`).toHaveProperty(from);
  object[to] = object[from];
  delete object[from];
}

describe("istio/ against the Kubernetes and Istio schemas (kubeconform -strict, offline)", () => {
  it("validates every resource of every file", async () => {
    const began = Date.now();
    const result = await kubeconform(validators, [deploymentDir]);
    console.log(`[istio] ${result.output.split("\n").at(-1)} (${Date.now() - began} ms)`);
    expect(result.output).toMatch(/Invalid: 0, Errors: 0, Skipped: 1$/); // the Kustomization
    expect(result.valid, result.output).toBe(true);
    const documents = generatedFilesIn(deploymentDir).reduce((count, file) => count + parseAllDocuments(fs.readFileSync(path.join(deploymentDir, file), "utf8")).length, 0);
    expect(result.output).toContain(`${documents} resources found in ${generatedFilesIn(deploymentDir).length} files - Valid: ${documents - 1}`);
  });

  it("refuses a misspelled field of a Deployment and names it", async () => {
    const file = mutated("services/combat.yaml", "Deployment", "combat", (deployment) => rename(deployment.spec, "replicas", "replicaz"));
    const result = await kubeconform(validators, [file]);
    expect(result.valid).toBe(false);
    expect(result.output).toContain("Deployment combat is invalid");
    expect(result.output).toContain("at '/spec': additional properties 'replicaz' not allowed");
  });

  it("refuses a misspelled field deep in an AuthorizationPolicy and names it", async () => {
    const file = mutated("authorization-policies.yaml", "AuthorizationPolicy", "combat", (policy) => rename(policy.spec.rules[0].from[0].source, "principals", "principalz"));
    const result = await kubeconform(validators, [file]);
    expect(result.valid).toBe(false);
    expect(result.output).toContain("AuthorizationPolicy combat is invalid");
    expect(result.output).toContain("at '/spec/rules/0/from/0/source': additional properties 'principalz' not allowed");
  });

  it("refuses an Istio resource with a misspelled metadata field, or a value outside an enum", async () => {
    const metadata = mutated("peer-authentication.yaml", "PeerAuthentication", "default", (resource) => rename(resource.metadata, "namespace", "namespce"));
    expect((await kubeconform(validators, [metadata])).output).toContain("at '/metadata': additional properties 'namespce' not allowed");
    const mode = mutated("peer-authentication.yaml", "PeerAuthentication", "default", (resource) => (resource.spec.mtls.mode = "STRICTLY"));
    expect((await kubeconform(validators, [mode])).output).toContain("at '/spec/mtls/mode': value must be one of");
  });

  it("refuses a kind it has no schema for, instead of skipping it", async () => {
    const file = mutated("namespace.yaml", "Namespace", "chaos", (resource) => (resource.kind = "Namespaec"));
    const result = await kubeconform(validators, [file]);
    expect(result.valid).toBe(false);
    expect(result.output).toContain("could not find schema for Namespaec");
  });
});

describe("Dockerfile", () => {
  it("passes hadolint", async () => {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(validators.hadolint, ["--no-color", path.join(repoRoot, "Dockerfile")], { stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.once("error", reject);
      child.once("close", (exitCode) => resolve({ code: exitCode, output }));
    });
    expect(output.trim()).toBe("");
    expect(code).toBe(0);
  });
});
