import { describe, expect, it } from "vitest";
import { loadMeshConfig } from "./mesh-config.js";

describe("mesh settings", () => {
  it("serve reflection on the edge face unless CHAOS_EDGE_REFLECTION is false, and refuse anything else", () => {
    expect(loadMeshConfig({}).edgeReflection).toBe(true);
    expect(loadMeshConfig({ CHAOS_EDGE_REFLECTION: "" }).edgeReflection).toBe(true);
    expect(loadMeshConfig({ CHAOS_EDGE_REFLECTION: "true" }).edgeReflection).toBe(true);
    expect(loadMeshConfig({ CHAOS_EDGE_REFLECTION: "false" }).edgeReflection).toBe(false);
    expect(() => loadMeshConfig({ CHAOS_EDGE_REFLECTION: "off" })).toThrow('CHAOS_EDGE_REFLECTION must be "true" or "false", got "off"');
  });
});
