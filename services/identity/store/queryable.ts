import type pg from "pg";

/** The pool (one statement, auto-commit) or a transaction's connection. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}
