import type { DeadLetter } from "@qingshan/domain";
import { badParameter } from "../http/errors.ts";
import { checkCursorFits, decodeCursorRecord, encodeCursorRecord } from "../http/paging.ts";

/**
 * Where a page of `/deadletters` ended: the ordering key of its last dead letter. The store returns
 * dead letters newest first, by `receivedAt`, then `id`, both descending (TimeSeriesStore
 * queryDeadLetters: DuckDB `ORDER BY received_at DESC, id DESC`, the InfluxDB adapter sorts the
 * same way), and ids are unique, so (receivedAt, id) orders them strictly. `station` and `code`
 * tie the cursor to the filters of the query it came from.
 */
export interface DeadLettersCursor {
  /** The query's `station` filter; undefined = every station. */
  readonly station: string | undefined;
  /** The query's `code` filter; undefined = every code. */
  readonly code: string | undefined;
  readonly receivedAt: number;
  readonly id: string;
}

const EXPECTED = "the cursor of the `next` link of a /deadletters answer";

/**
 * The opaque form (http/paging.ts encodeCursorRecord). Clients pass it back as they got it.
 *
 * @example
 * encodeDeadLettersCursor({ station: undefined, code: undefined, receivedAt: 1_796_400_000_000, id: "dl-1" })
 */
export function encodeDeadLettersCursor(cursor: DeadLettersCursor): string {
  return encodeCursorRecord({
    ...(cursor.station !== undefined ? { s: cursor.station } : {}),
    ...(cursor.code !== undefined ? { c: cursor.code } : {}),
    r: cursor.receivedAt,
    i: cursor.id,
  });
}

/**
 * The cursor of `raw`, checked against the query it is used with: a 400 naming `cursor` when it is
 * not one this API wrote, was issued for other `station` or `code` filters, or lies outside
 * [from, to).
 */
export function decodeDeadLettersCursor(
  raw: string,
  query: { station: string | undefined; code: string | undefined; from: number; to: number },
): DeadLettersCursor {
  const cursor = parse(raw);
  if (cursor === undefined) throw badParameter("cursor", raw, EXPECTED);
  const of = (station: string | undefined, code: string | undefined) =>
    `${station === undefined ? "every station" : `station ${station}`}, ${code === undefined ? "every code" : `code ${code}`}`;
  checkCursorFits(
    raw,
    { issuedFor: of(cursor.station, cursor.code), query: of(query.station, query.code) },
    cursor.receivedAt,
    query,
  );
  return cursor;
}

function parse(raw: string): DeadLettersCursor | undefined {
  const record = decodeCursorRecord(raw, 2000);
  if (record === undefined) return undefined;
  const { s, c, r, i } = record;
  if (s !== undefined && !(typeof s === "string" && s !== "")) return undefined;
  if (c !== undefined && !(typeof c === "string" && c !== "")) return undefined;
  if (typeof r !== "number" || !Number.isSafeInteger(r)) return undefined;
  if (typeof i !== "string" || i === "") return undefined;
  return { station: s, code: c, receivedAt: r, id: i };
}

/**
 * The dead letters received in the cursor's millisecond that come after it, from `sameMs` (every
 * dead letter of that millisecond, in the store's order): those after the cursor's own letter
 * there, so the store's id order decides. Should that letter be gone (retention), by id, as the
 * store orders them (descending).
 */
export function afterCursorInItsMs(sameMs: readonly DeadLetter[], cursor: DeadLettersCursor): DeadLetter[] {
  const at = sameMs.findIndex((d) => d.id === cursor.id);
  if (at >= 0) return sameMs.slice(at + 1);
  return sameMs.filter((d) => d.id < cursor.id);
}
