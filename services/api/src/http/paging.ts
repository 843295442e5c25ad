import { toBeijingIso } from "@qingshan/domain";
import type { FastifyReply, FastifyRequest } from "fastify";
import { badParameter } from "./errors.ts";

/**
 * The path and query of the next page of a paged answer (`/readings`, `/deadletters`): this
 * request's, with `from` and `to` pinned to the first page's range — a default `to` (now) would
 * move between pages, and with it a default `from` — and `cursor` set.
 *
 * @example
 * nextPagePath(request, from, to, encodeCursor(last)) // "/api/v1/readings?station=aq1&from=…&to=…&cursor=…"
 */
export function nextPagePath(request: FastifyRequest, from: number, to: number, cursor: string): string {
  const url = new URL(request.url, "http://localhost");
  url.searchParams.set("from", toBeijingIso(from));
  url.searchParams.set("to", toBeijingIso(to));
  url.searchParams.set("cursor", cursor);
  return `${url.pathname}?${url.searchParams.toString()}`;
}

/** The Link header of a next page (RFC 8288). */
export function nextLink(next: string): string {
  return `<${next}>; rel="next"`;
}

/** One page of a paged answer: the items to return, whether more matched, and the next page's path. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly truncated: boolean;
  readonly next: string | undefined;
}

/**
 * The page of `found` (at most `limit` + 1 items, as read from the store: the extra one says more
 * matched): its first `limit` items and, when truncated, the next page's path (with the cursor of
 * its last item), also set as the Link header.
 *
 * @example
 * const { items, truncated, next } = pageOf(found, q.limit, request, reply, { from, to }, (last) => encodeCursor(last));
 */
export function pageOf<T>(
  found: readonly T[],
  limit: number,
  request: FastifyRequest,
  reply: FastifyReply,
  range: { readonly from: number; readonly to: number },
  cursorOf: (last: T) => string,
): Page<T> {
  const truncated = found.length > limit;
  const items = truncated ? found.slice(0, limit) : found;
  const last = items.at(-1);
  const next =
    truncated && last !== undefined ? nextPagePath(request, range.from, range.to, cursorOf(last)) : undefined;
  if (next !== undefined) reply.header("link", nextLink(next));
  return { items, truncated, next };
}

const CURSOR_VERSION = 1;

/**
 * A cursor's opaque form: base64url of a small JSON record (with a version). Clients pass it back
 * as they got it.
 *
 * @example
 * encodeCursorRecord({ s: "aq1", t: 1_796_400_000_000, m: "pm25" })
 */
export function encodeCursorRecord(record: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, ...record }), "utf8").toString("base64url");
}

/** The record of a cursor {@link encodeCursorRecord} wrote; undefined for anything else. */
export function decodeCursorRecord(raw: string, maxLength: number): Record<string, unknown> | undefined {
  if (raw.length > maxLength || !/^[A-Za-z0-9_-]+$/.test(raw)) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof record !== "object" || record === null) return undefined;
  const fields = record as Record<string, unknown>;
  return fields.v === CURSOR_VERSION ? fields : undefined;
}

/**
 * Checks a decoded cursor against the query it is used with: a 400 naming `cursor` when it was
 * issued for other filters (`issuedFor` ≠ `query`, each described in words) or its position `at`
 * lies outside [from, to).
 */
export function checkCursorFits(
  raw: string,
  filters: { readonly issuedFor: string; readonly query: string },
  at: number,
  range: { readonly from: number; readonly to: number },
): void {
  if (filters.issuedFor !== filters.query) {
    throw badParameter(
      "cursor",
      raw,
      `a cursor of this query (${filters.query}); this one continues a query of ${filters.issuedFor}`,
    );
  }
  if (at < range.from || at >= range.to) {
    throw badParameter(
      "cursor",
      raw,
      `a cursor inside this query's range [${toBeijingIso(range.from)}, ${toBeijingIso(range.to)}); this one is at ${toBeijingIso(at)} (give the from and to of the \`next\` link)`,
    );
  }
}
