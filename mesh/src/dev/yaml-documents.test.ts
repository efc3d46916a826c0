import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { renderYamlDocuments, type YamlObject } from "./yaml-documents.js";

// YAML 1.1 too: Kubernetes' parser (go-yaml) still reads "on" and "no" as booleans.
const parse = (text: string, version: "1.1" | "1.2") => parseAllDocuments(text, { version }).map((document) => document.toJS() as unknown);

describe("renderYamlDocuments", () => {
  it("reads back as the same values, whatever a string looks like", () => {
    // Strings a careless emitter would turn into numbers, booleans, nulls, keys or comments.
    const tricky = ["7000", "1.5", "1e3", "0x1F", "on", "No", "null", "~", "", "*", "a: b", "#x", "x #y", "- a", "a:", "127.0.0.1:7000", "2026-12-01", "12:30", '{"a":1}', "line\nbreak", " padded", "100m", "512Mi", "10s"];
    const document: YamlObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "x", labels: { "app.kubernetes.io/name": "x" } },
      data: Object.fromEntries(tricky.map((value, index) => [`K${index}`, value])),
      numbers: [0, 7000, -1, 2.5],
      flags: { yes: true, no: false },
      empty: { list: [], map: {} },
      items: [{ name: "a", ports: [{ port: 1 }] }, {}, "plain"],
      skipped: undefined,
    };
    const text = renderYamlDocuments([document, { kind: "Second" }]);
    const { skipped: _, ...expected } = document;
    expect(parse(text, "1.2")).toEqual([expected, { kind: "Second" }]);
    expect(parse(text, "1.1")).toEqual([expected, { kind: "Second" }]);
  });

  it("writes plain block YAML: quantities and names unquoted, lists under their key, one trailing newline", () => {
    const text = renderYamlDocuments([{ spec: { cpu: "100m", host: "gateway.chaos.svc.cluster.local", ports: [{ name: "grpc-internal", port: 7000 }], hosts: ["*"] } }]);
    expect(text).toBe(
      ["spec:", "  cpu: 100m", "  host: gateway.chaos.svc.cluster.local", "  ports:", "    - name: grpc-internal", "      port: 7000", "  hosts:", '    - "*"', ""].join("\n"),
    );
  });

  it("refuses what Kubernetes resources never hold", () => {
    expect(() => renderYamlDocuments([{ matrix: [[1]] }])).toThrow(/list directly inside a list/);
    expect(() => renderYamlDocuments([{ ratio: Number.NaN }])).toThrow(/not a YAML number/);
  });
});
