import { ErrorReason } from "@chaos/gen/chaos/analytics/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import { decodePageToken, encodePageToken } from "@chaos/mesh/server";

// A query pages by group value: the token holds the last group of its page,
// scoped to the query's metric and grouping so it is refused by another query.

const scopeOf = (metric: string, groupBy: string) => `analytics:${metric}:${groupBy}`;

export function encodeGroupPageToken(metric: string, groupBy: string, lastGroup: string): string {
  return encodePageToken(scopeOf(metric, groupBy), lastGroup);
}

/** The last group of the previous page; undefined for the first page. */
export function decodeGroupPageToken(metric: string, groupBy: string, token: string): string | undefined {
  if (token === "") return undefined;
  try {
    return decodePageToken(scopeOf(metric, groupBy), token, (c): c is string => typeof c === "string");
  } catch {
    // With a reason of analytics' own, so a console can tell a stale token from a bad query.
    throw new DomainError(ErrorReason.INVALID_PAGE_TOKEN, "page_token is not a token of this query");
  }
}
