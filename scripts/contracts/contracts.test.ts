import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../infra/config.js";
import { run } from "../infra/proc.js";
import { breakingBaseline, breakingChanges, staleGeneratedFiles } from "./check.js";
import { buf } from "./toolchain.js";
import { serviceManifests } from "../infra/services.js";

/** The directories of the packages whose service runs ("chaos/combat/v1"): the published contracts. */
async function publishedPackageDirs(): Promise<string[]> {
  const packages = (await serviceManifests()).flatMap((manifest) => manifest.serves.map(({ service }) => service.file.proto.package));
  return [...new Set(packages)].sort().map((pkg) => pkg.replaceAll(".", "/"));
}

/** Every service of the architecture (shared/docs/architecture.md, "Services"). */
const architectureServices = [
  "gateway", "identity", "player", "combat", "inventory", "trading", "guild", "chat", "notification",
  "matchmaking", "liveops", "progression", "world", "anticheat", "payment", "analytics", "audit",
];

let files: FileDescriptorProto[] = [];

beforeAll(async () => {
  const image = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "chaos-image-")), "image.binpb");
  await buf(["build", "proto", "-o", image]);
  files = fromBinary(FileDescriptorSetSchema, fs.readFileSync(image)).file.filter((f) => f.name.startsWith("chaos/"));
}, 120_000);

/** The leading comment at a source path (see descriptor.proto's SourceCodeInfo). */
function comment(file: FileDescriptorProto, pathInFile: number[]): string {
  const location = file.sourceCodeInfo?.location.find(
    (l) => l.path.length === pathInFile.length && l.path.every((v, i) => v === pathInFile[i]),
  );
  return (location?.leadingComments ?? "").trim();
}

describe("contracts", () => {
  it("pass buf lint (STANDARD)", async () => {
    await expect(buf(["lint"])).resolves.toBe("");
  });

  it("are buf-formatted", async () => {
    await expect(buf(["format", "proto", "--diff", "--exit-code"])).resolves.toBe("");
  });

  it("make no breaking change to the published packages (those a service's manifest serves) against the previous commit", async (context) => {
    const baseline = await breakingBaseline();
    if (baseline === undefined) {
      context.skip("no previous commit with contracts to compare against");
      return;
    }
    const published = await publishedPackageDirs();
    expect(published).toContain("chaos/combat/v1");
    expect(await breakingChanges(baseline.commit, published), `breaking changes against ${baseline.description}`).toBe("");
  });

  it("cover every service of the architecture with a service, events and error reasons", () => {
    for (const service of architectureServices) {
      const domain = files.filter((f) => f.package === `chaos.${service}.v1`);
      expect(domain.length, `proto/chaos/${service}/v1 exists`).toBeGreaterThan(0);
      expect(domain.some((f) => f.name === `chaos/${service}/v1/events.proto` && f.messageType.length > 0), `${service} events.proto has events`).toBe(true);
      expect(domain.some((f) => f.service.length > 0), `${service} has a gRPC service`).toBe(true);
      expect(domain.some((f) => f.enumType.some((e) => e.name === "ErrorReason")), `${service} has an ErrorReason enum`).toBe(true);
    }
  });

  it("document every service, RPC and message", () => {
    const undocumented: string[] = [];
    for (const file of files) {
      file.service.forEach((service, s) => {
        if (comment(file, [6, s]) === "") undocumented.push(`${file.package}.${service.name}`);
        service.method.forEach((method, m) => {
          if (comment(file, [6, s, 2, m]) === "") undocumented.push(`${file.package}.${service.name}.${method.name}`);
        });
      });
      file.messageType.forEach((message, m) => {
        if (comment(file, [4, m]) === "") undocumented.push(`${file.package}.${message.name}`);
      });
    }
    expect(undocumented).toEqual([]);
  });
});

describe("generated code", () => {
  it("is what regeneration produces (run `npm run generate` after editing proto/)", async () => {
    expect(await staleGeneratedFiles()).toEqual([]);
  }, 180_000);

  it("compiles as a Go module for the interop clients", async () => {
    await expect(run("go", ["build", "./..."], { cwd: path.join(repoRoot, "gen", "go"), timeoutMs: 600_000 })).resolves.toBe("");
  }, 600_000);
});
