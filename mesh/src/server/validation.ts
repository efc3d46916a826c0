import { create } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import { createValidator } from "@bufbuild/protovalidate";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequest_FieldViolationSchema, BadRequestSchema } from "@chaos/gen/google/rpc/error_details_pb.js";
import type { MeshInterceptor } from "./mesh-call.js";

/**
 * Checks every request against the `buf.validate` rules of its contract
 * before a handler sees it. A violation is INVALID_ARGUMENT with a
 * google.rpc.BadRequest detail listing each field and what is wrong, so
 * clients can point at the field.
 */
export function createValidationInterceptor(): MeshInterceptor {
  const validator = createValidator();
  return (next) => async (call) => {
    const result = validator.validate(call.method.input, call.request as never);
    if (result.kind === "invalid") {
      const violations = result.violations.map((v) => ({
        field: pathToString(v.field) || "(message)",
        description: v.message,
      }));
      throw new ConnectError(
        `invalid request: ${violations.map((v) => `${v.field}: ${v.description}`).join("; ")}`,
        Code.InvalidArgument,
        undefined,
        [{ desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations: violations.map((v) => create(BadRequest_FieldViolationSchema, v)) }) }],
      );
    }
    if (result.kind === "error") throw result.error;
    return next(call);
  };
}
