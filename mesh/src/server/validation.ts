import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import { createValidator, type Validator } from "@bufbuild/protovalidate";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequest_FieldViolationSchema, BadRequestSchema } from "@chaos/gen/google/rpc/error_details_pb.js";
import type { MeshInterceptor } from "./mesh-call.js";

/**
 * Checks every request against the `buf.validate` rules of its contract
 * before a handler sees it. A violation is INVALID_ARGUMENT with a
 * google.rpc.BadRequest detail listing each field and what is wrong, so
 * clients can point at the field. For client and bidi streams every message
 * is checked as the handler reads it: a bad one ends the call, and the
 * handler never sees it (nor anything after it).
 */
export function createValidationInterceptor(): MeshInterceptor {
  const validator = createValidator();
  return (next) => async (call) => {
    if (call.requests === undefined) {
      check(validator, call.method.input, call.request, "invalid request");
      return next(call);
    }
    call.requests = checkEach(validator, call.method.input, call.requests);
    return next(call);
  };
}

async function* checkEach(validator: Validator, schema: DescMessage, requests: AsyncIterable<Message>): AsyncIterable<Message> {
  let position = 0;
  for await (const message of requests) {
    position++;
    check(validator, schema, message, `invalid request message ${position} of the stream`);
    yield message;
  }
}

function check(validator: Validator, schema: DescMessage, message: Message, what: string): void {
  const result = validator.validate(schema, message as never);
  if (result.kind === "invalid") {
    const violations = result.violations.map((v) => ({
      field: pathToString(v.field) || "(message)",
      description: v.message,
    }));
    throw new ConnectError(
      `${what}: ${violations.map((v) => `${v.field}: ${v.description}`).join("; ")}`,
      Code.InvalidArgument,
      undefined,
      [{ desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations: violations.map((v) => create(BadRequest_FieldViolationSchema, v)) }) }],
    );
  }
  if (result.kind === "error") throw result.error;
}
