import { createHash } from "node:crypto";
import { decodePageToken, encodePageToken } from "@chaos/mesh/server";
import type { RecordCursor, RecordFilter } from "../core/audit-store.js";

// Pages run newest first by (occur time, record id): a record appended
// between two pages with an older occur time shows on a later page, a newer
// one on none of them, never twice. The scope is a digest of the filter, so
// a token only continues the listing that issued it and stays short however
// long the filter's strings are.

const scopeOf = (filter: RecordFilter) => {
  const fields = [filter.actorKind ?? 0, filter.actorId ?? "", filter.actionPrefix ?? "", filter.resource ?? "", filter.outcome ?? 0, filter.startTime ?? "", filter.endTime ?? ""];
  return `audit:${createHash("sha256").update(JSON.stringify(fields)).digest("base64url").slice(0, 22)}`;
};

export function encodeRecordPageToken(filter: RecordFilter, cursor: RecordCursor): string {
  return encodePageToken(scopeOf(filter), [cursor.occurTime, cursor.recordId]);
}

export function decodeRecordPageToken(filter: RecordFilter, token: string): RecordCursor | undefined {
  const cursor = decodePageToken(
    scopeOf(filter),
    token,
    (c): c is [string, string] =>
      Array.isArray(c) && c.length === 2 && typeof c[0] === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(c[0]) && typeof c[1] === "string" && /^[0-9a-f-]{36}$/.test(c[1]),
  );
  return cursor === undefined ? undefined : { occurTime: cursor[0], recordId: cursor[1] };
}
