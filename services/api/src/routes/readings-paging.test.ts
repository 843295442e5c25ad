import type { MetricId, Reading } from "@qingshan/domain";
import { toBeijingIso } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { reading, T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";
import { parseCsv } from "../testdata/csv.ts";

const MIN = 60_000;
const START = T("2026-11-29T08:00:00+08:00");
const NOW = T("2026-11-29T12:00:00+08:00");
const ALL: readonly MetricId[] = ["pm25", "pm10", "so2", "no2", "co", "o3"];

// Minute data sharing timestamps across metrics: every third minute all six air metrics, then two,
// then one; two readings 250 ms into a minute; the same instants at another station; readings
// outside the range; one after now (outside the default range of a request made at NOW).
const aq1: Reading[] = [];
for (let m = 0; m < 30; m++) {
  const metrics = m % 3 === 0 ? ALL : m % 3 === 1 ? (["pm25", "pm10"] as const) : (["o3"] as const);
  metrics.forEach((metric, i) => {
    aq1.push(reading("aq1", metric, START + m * MIN, MIN, m * 10 + i));
  });
}
aq1.push(
  reading("aq1", "co", START + 4 * MIN + 250, 0, 1.5),
  reading("aq1", "so2", START + 4 * MIN + 250, 0, 7),
);
const outside = [
  reading("aq1", "pm25", START - MIN, MIN, 999),
  reading("aq1", "pm25", START + 60 * MIN, MIN, 999),
  reading("aq1", "pm25", NOW + 10 * MIN, MIN, 999),
];
const otherStation = aq1.map((r) => ({
  ...r,
  stationId: "noi1",
  metric: "noi" as const,
  value: r.value + 0.5,
}));

const api = useApiFixture({
  name: "readings-paging",
  stations: [TEST_STATION.aq1, TEST_STATION.noi1],
  now: NOW,
  readings: [...aq1, ...outside, ...otherStation],
});

/** What the store's order (ts, then metric) gives: the key of each reading as the API writes it. */
const keyOf = (r: { ts: string; metric: string; value: number | string }) => `${r.ts} ${r.metric} ${r.value}`;
const expected = (metric?: MetricId) =>
  aq1
    .filter((r) => metric === undefined || r.metric === metric)
    .sort((a, b) => a.ts - b.ts || (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0))
    .map((r) => keyOf({ ts: toBeijingIso(r.ts), metric: r.metric, value: r.value }));

const range = `from=${encodeURIComponent("2026-11-29T08:00:00+08:00")}&to=${encodeURIComponent("2026-11-29T09:00:00+08:00")}`;

interface Page {
  readonly keys: string[];
  readonly next: string | undefined;
}

/** Follows `next` from `first` until a page has none; every page is checked against the protocol. */
async function pageThrough(
  first: string,
  limit: number,
  read: (url: string) => Promise<Page>,
): Promise<string[]> {
  const keys: string[] = [];
  let url: string | undefined = first;
  for (let pages = 0; url !== undefined; pages++) {
    expect(pages, "pages").toBeLessThan(200);
    const page: Page = await read(url);
    expect(page.keys.length).toBeLessThanOrEqual(limit);
    if (page.next !== undefined) expect(page.keys.length).toBe(limit);
    keys.push(...page.keys);
    url = page.next;
  }
  return keys;
}

async function readJson(url: string): Promise<Page> {
  const res = await api.app.inject({ url });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  expect(body.count).toBe(body.readings.length);
  if (body.truncated) {
    expect(body.next).toMatch(/^\/api\/v1\/readings\?/);
    expect(res.headers.link).toBe(`<${body.next}>; rel="next"`);
  } else {
    expect(body.next).toBeUndefined();
    expect(res.headers.link).toBeUndefined();
  }
  return { keys: body.readings.map(keyOf), next: body.next };
}

async function readCsv(url: string): Promise<Page> {
  const res = await api.app.inject({ url });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
  const link = res.headers.link as string | undefined;
  const next = link === undefined ? undefined : /^<([^>]+)>; rel="next"$/.exec(link)?.[1];
  if (link !== undefined) expect(next, link).toBeDefined();
  return {
    keys: parseCsv(res.body).rows.map((r) => keyOf(r as { ts: string; metric: string; value: string })),
    next,
  };
}

// Several readings share a ts (across metrics), so a page can end inside a ts: the cursor carries
// (ts, metric), the store's order, and the next page starts exactly after it.
describe("/readings paging", () => {
  it("returns every reading exactly once, in order, whatever the page size", async () => {
    expect(expected()).toHaveLength(aq1.length);
    const all = await readJson(`/api/v1/readings?station=aq1&${range}&limit=100000`);
    expect(all).toEqual({ keys: expected(), next: undefined });
    for (const limit of [1, 2, 3, 4, 5, 6, 7, 11, 64, 91]) {
      const keys = await pageThrough(`/api/v1/readings?station=aq1&${range}&limit=${limit}`, limit, readJson);
      expect(keys, `limit ${limit}`).toEqual(expected());
    }
  });

  it("with a metric filter", async () => {
    const keys = await pageThrough(`/api/v1/readings?station=aq1&metric=pm25&${range}&limit=4`, 4, readJson);
    expect(keys).toEqual(expected("pm25"));
  });

  it("the next link keeps the query and pins from and to", async () => {
    const res = await api.app.inject({
      url: `/api/v1/readings?station=aq1&metric=pm10&${range}&limit=2&bom=false`,
    });
    const next = new URL(res.json().next, "http://x");
    expect(next.pathname).toBe("/api/v1/readings");
    expect(Object.fromEntries(next.searchParams)).toEqual({
      station: "aq1",
      metric: "pm10",
      from: "2026-11-29T08:00:00+08:00",
      to: "2026-11-29T09:00:00+08:00",
      limit: "2",
      bom: "false",
      cursor: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
    });
  });

  it("a default range is pinned at the first page: a later clock changes nothing", async () => {
    const pages: string[] = [];
    const keys = await pageThrough("/api/v1/readings?station=aq1&limit=9", 9, async (url) => {
      pages.push(url);
      const page = await readJson(url);
      api.now += 60 * MIN;
      return page;
    });
    expect(keys).toEqual([
      `${toBeijingIso(START - MIN)} pm25 999`,
      ...expected(),
      `${toBeijingIso(START + 60 * MIN)} pm25 999`,
    ]);
    expect(new URL(pages[1] ?? "", "http://x").searchParams.get("to")).toBe("2026-11-29T12:00:00+08:00");
  });

  it("CSV: the Link header (RFC 8288 rel=next) pages through every reading exactly once", async () => {
    for (const limit of [1, 5, 6]) {
      const keys = await pageThrough(
        `/api/v1/readings?station=aq1&${range}&limit=${limit}&format=csv`,
        limit,
        readCsv,
      );
      expect(keys, `limit ${limit}`).toEqual(expected());
    }
  });

  it("CSV asked for by Accept: the Link header, the last page without one", async () => {
    const get = (url: string) => api.app.inject({ url, headers: { accept: "text/csv" } });
    const first = await get(`/api/v1/readings?station=aq1&metric=co&${range}&limit=10`);
    const next = /^<([^>]+)>; rel="next"$/.exec(String(first.headers.link))?.[1] ?? "";
    const last = await get(next);
    expect(last.headers.link).toBeUndefined();
    const rows = [first, last].flatMap((res) => parseCsv(res.body).rows);
    expect(rows.map((r) => keyOf(r as { ts: string; metric: string; value: string }))).toEqual(
      expected("co"),
    );
  });

  it("a bad cursor is a 400 naming `cursor`", async () => {
    const first = await api.app.inject({ url: `/api/v1/readings?station=aq1&${range}&limit=3` });
    const cursor = new URL(first.json().next, "http://x").searchParams.get("cursor") ?? "";
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const bad = [
      `${range}&cursor=not%20a%20cursor`,
      `${range}&cursor=${Buffer.from("{oops").toString("base64url")}`,
      `${range}&cursor=${b64({ v: 1, s: "aq1", t: START, m: "nope" })}`,
      `${range}&cursor=${b64({ v: 2, s: "aq1", t: START, m: "pm25" })}`,
      `${range}&cursor=${b64({ v: 1, s: "aq1", t: "x", m: "pm25" })}`,
      `${range}&cursor=`,
      // Another query's cursor: another metric filter, station or a range not holding it.
      `${range}&metric=pm25&cursor=${cursor}`,
      `${range}&cursor=${b64({ v: 1, s: "noi1", t: START, m: "pm25" })}`,
      `from=${encodeURIComponent("2026-11-29T08:30:00+08:00")}&to=${encodeURIComponent("2026-11-29T09:00:00+08:00")}&cursor=${cursor}`,
    ];
    for (const query of bad) {
      const res = await api.app.inject({ url: `/api/v1/readings?station=aq1&${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error, query).toMatchObject({ code: "query.invalid", parameter: "cursor" });
    }
  });

  it("the OpenAPI document lists cursor and bom and the Link header", async () => {
    const body = (await api.app.inject({ url: "/api/openapi.json" })).json();
    const get = body.paths["/api/v1/readings"].get;
    const names = get.parameters.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(["cursor", "bom"]));
    expect(get.responses["200"].headers.Link.schema).toEqual({ type: "string" });
    expect(get.responses["200"].content["application/json"].schema.properties.next.type).toBe("string");
  });
});
