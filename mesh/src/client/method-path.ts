import type { DescMethod } from "@bufbuild/protobuf";

const paths = new WeakMap<DescMethod, string>();

/**
 * "/package.Service/Method" of a method: the gRPC path, the breaker key and
 * the metrics label. Built once per method, not on every call.
 */
export function methodPath(method: DescMethod): string {
  let path = paths.get(method);
  if (path === undefined) {
    path = `/${method.parent.typeName}/${method.name}`;
    paths.set(method, path);
  }
  return path;
}
