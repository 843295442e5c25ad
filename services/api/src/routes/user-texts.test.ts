import type { NoiSchemeId } from "@qingshan/standards";
import type { FastifyInstance } from "fastify";
import { describe, expect, it } from "vitest";
import { hourlyReadings, T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";

/**
 * What users read (the OpenAPI document behind /api/docs, the dashboard's reference data, the
 * API's rule and source texts) cites standards and documents, never the repository's notes.
 */
const DEVELOPER_NOTE =
  /[\w-]+\.md\b|as recalled|unverified|as quoted|DESIGN|\bnot read\b|from memory|candidate [AB]\b/;

const NOW = T("2026-03-10T12:00:00+08:00");

const api = useApiFixture({
  name: "user-texts",
  stations: [
    { ...TEST_STATION.aq1, metrics: ["pm25"] },
    { ...TEST_STATION.wq1, metrics: ["do", "nh3n"] },
    { ...TEST_STATION.noi1, metrics: ["noi"], reportingIntervalMs: undefined },
  ],
  now: NOW,
  readings: [
    ...hourlyReadings("aq1", "pm25", "2026-01-01T00:00:00+08:00", 40, 24 * 60),
    ...hourlyReadings("wq1", "nh3n", "2026-03-08T00:00:00+08:00", 1.2, 48),
    ...hourlyReadings("wq1", "do", "2026-03-08T00:00:00+08:00", 6.5, 48),
    ...hourlyReadings("noi1", "noi", "2026-02-01T00:00:00+08:00", 1300, 24 * 36),
  ],
});
const appWith = (noiScheme: NoiSchemeId) => api.appWith({ noiScheme });

async function text(app: FastifyInstance, url: string): Promise<string> {
  const res = await app.inject({ url });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.body;
}

/** Each developer note in `body`, with some context, so a failure says where it is. */
function notesIn(body: string): string[] {
  const found: string[] = [];
  const re = new RegExp(DEVELOPER_NOTE.source, "g");
  for (const m of body.matchAll(re)) found.push(body.slice(Math.max(0, m.index - 80), m.index + 40));
  return found;
}

describe("user-visible texts carry no developer notes", () => {
  it("the pattern finds the notes it is meant to catch", () => {
    for (const leak of [
      "QX/T 380-2017 as recalled (negative-oxygen-ions.md §2 candidate A, unverified)",
      "Liandu plan (2018), as quoted in DESIGN.md",
      "HJ 663-2013 (not read; air-aqi.md §8)",
    ])
      expect(notesIn(leak), leak).not.toEqual([]);
    expect(notesIn("a dependency is not ready; GB 3838-2002 Table 1; 莲政办发〔2018〕113号")).toEqual([]);
  });

  it("the OpenAPI document served for /api/docs", async () => {
    const app = appWith("candidate-a");
    const docs = await text(app, "/api/docs/json");
    expect(JSON.parse(docs).paths["/api/v1/noi/grade"]).toBeDefined();
    expect(notesIn(docs)).toEqual([]);
    expect(notesIn(await text(app, "/api/openapi.json"))).toEqual([]);
  });

  it.each(["candidate-a", "candidate-b"] as const)(
    "the dashboard's reference data and the API payloads (NOI scheme %s)",
    async (scheme) => {
      const app = appWith(scheme);
      const standards = await text(app, "/dashboard/standards.json");
      const parsed = JSON.parse(standards);
      expect(parsed.noi).toMatchObject({ id: scheme, provisional: true });
      expect(parsed.noi.source).toMatch(/provisional 暂行/);
      expect(parsed.pm25Target.source).toContain("莲政办发〔2018〕113号");
      const payloads = [
        standards,
        await text(app, "/api/v1/compliance/pm25"),
        await text(app, "/api/v1/compliance/water"),
        await text(app, "/api/v1/compliance/aqi-days"),
        await text(
          app,
          "/api/v1/noi/grade?station=noi1&from=2026-02-01T00:00:00%2B08:00&to=2026-03-01T00:00:00%2B08:00&period=1mo",
        ),
        await text(
          app,
          "/api/v1/noi/grade?station=noi1&from=2026-02-01T00:00:00%2B08:00&to=2026-02-03T00:00:00%2B08:00&period=1d",
        ),
        await text(
          app,
          "/api/v1/water/class?station=wq1&from=2026-03-08T00:00:00%2B08:00&to=2026-03-10T00:00:00%2B08:00&period=1d",
        ),
        await text(
          app,
          "/api/v1/series?station=aq1&metric=pm25&from=2026-01-01T00:00:00%2B08:00&to=2026-03-01T00:00:00%2B08:00&every=1mo",
        ),
        await text(app, "/api/v1/network"),
        await text(app, "/api/v1/warning"),
      ];
      for (const body of payloads) expect(notesIn(body)).toEqual([]);
    },
  );
});
