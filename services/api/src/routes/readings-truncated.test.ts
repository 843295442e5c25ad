import { describe, expect, it } from "vitest";
import { reading, T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";
import { parseCsv } from "../testdata/csv.ts";

const MIN = 60_000;
const START = T("2026-11-29T08:00:00+08:00");

const api = useApiFixture({
  name: "readings-truncated",
  stations: [TEST_STATION.aq1],
  now: T("2026-11-29T12:00:00+08:00"),
  // Five 5-min PM2.5 means from 08:00.
  readings: Array.from({ length: 5 }, (_, i) => reading("aq1", "pm25", START + i * 5 * MIN, 5 * MIN, 30 + i)),
});

const range = `from=${encodeURIComponent("2026-11-29T08:00:00+08:00")}&to=${encodeURIComponent("2026-11-29T09:00:00+08:00")}`;
const get = async (limit: number) => {
  const res = await api.app.inject({
    url: `/api/v1/readings?station=aq1&metric=pm25&${range}&limit=${limit}`,
  });
  expect(res.statusCode).toBe(200);
  return res.json();
};

// `truncated` says whether more readings matched than were returned.
describe("/readings truncated", () => {
  it("is false when exactly `limit` readings match", async () => {
    const body = await get(5);
    expect(body).toMatchObject({ count: 5, truncated: false });
    expect(body.readings.map((r: { value: number }) => r.value)).toEqual([30, 31, 32, 33, 34]);
  });

  it("is true with `limit` readings, the earliest, when limit + 1 match", async () => {
    const body = await get(4);
    expect(body).toMatchObject({ count: 4, truncated: true });
    expect(body.readings.map((r: { value: number }) => r.value)).toEqual([30, 31, 32, 33]);
  });

  it("CSV has at most `limit` rows", async () => {
    const res = await api.app.inject({
      url: `/api/v1/readings?station=aq1&metric=pm25&${range}&limit=4&format=csv`,
    });
    expect(parseCsv(res.body).rows.map((r) => r.value)).toEqual(["30", "31", "32", "33"]);
  });
});
