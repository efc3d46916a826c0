import { parseAllDocuments } from "yaml";

type Schema = { [key: string]: unknown };

/**
 * kubeconform's JSON schemas of the custom resources in a file of
 * CustomResourceDefinitions, by path in its `{group}/{kind}_{version}.json`
 * layout — what kubeconform's openapi2jsonschema.py makes, strict: every
 * object with properties admits no others unless it preserves unknown
 * fields, `nullable` becomes a null type, and the root admits only
 * apiVersion, kind, metadata (Kubernetes' own ObjectMeta schema, at
 * `objectMetaRef`) and what the CRD declares. CEL rules
 * (x-kubernetes-validations) are not checked; only the API server runs them.
 */
export function crdJsonSchemas(crdYaml: string, objectMetaRef: string): Record<string, Schema> {
  const schemas: Record<string, Schema> = {};
  for (const document of parseAllDocuments(crdYaml)) {
    const crd = document.toJS() as { kind?: string; spec?: CrdSpec } | null;
    if (crd?.kind !== "CustomResourceDefinition" || crd.spec === undefined) continue;
    const { group, names, versions } = crd.spec;
    for (const version of versions) {
      const root = strict(structuredClone(version.schema?.openAPIV3Schema ?? { type: "object" }));
      root.properties = {
        apiVersion: { type: "string", enum: [`${group}/${version.name}`] },
        kind: { type: "string", enum: [names.kind] },
        metadata: { $ref: objectMetaRef },
        ...(root.properties as Schema | undefined),
      };
      root.additionalProperties = false;
      root.required = [...new Set(["apiVersion", "kind", "metadata", ...((root.required as string[] | undefined) ?? [])])];
      schemas[`${group}/${names.kind.toLowerCase()}_${version.name}.json`] = root;
    }
  }
  return schemas;
}

interface CrdSpec {
  readonly group: string;
  readonly names: { readonly kind: string };
  readonly versions: ReadonlyArray<{ readonly name: string; readonly schema?: { readonly openAPIV3Schema?: Schema } }>;
}

/** The OpenAPI v3 subset of a CRD as a strict JSON schema, in place. */
function strict(schema: Schema): Schema {
  if (schema.nullable === true && typeof schema.type === "string") schema.type = [schema.type, "null"];
  delete schema.nullable;
  if (schema.properties !== undefined && schema.additionalProperties === undefined && schema["x-kubernetes-preserve-unknown-fields"] !== true) {
    schema.additionalProperties = false;
  }
  for (const [key, value] of Object.entries(schema)) {
    if (key === "enum" || key === "default" || key === "example" || key === "x-kubernetes-validations") continue;
    if (Array.isArray(value)) value.forEach((item) => isSchema(item) && strict(item));
    else if (isSchema(value)) {
      // "properties" maps names to schemas; every other object value is a schema itself.
      if (key === "properties") Object.values(value).forEach((property) => isSchema(property) && strict(property));
      else strict(value);
    }
  }
  return schema;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A schema of PyPI's kubernetes-validate as kubeconform can load it offline:
 * they reference their shared definitions as "/api/_definitions.json" under
 * an https://kubernetes.io $id, which kubeconform would fetch; without the
 * $id and with a relative reference, it reads the definitions file next to
 * the schema.
 */
export function localKubernetesSchema(text: string): string {
  const schema = JSON.parse(text.replaceAll('"/api/_definitions.json#', '"_definitions.json#')) as Schema;
  delete schema.$id;
  return JSON.stringify(schema);
}
