import { toBeijingIso } from "@qingshan/domain";
import type { FastifyRequest } from "fastify";

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
