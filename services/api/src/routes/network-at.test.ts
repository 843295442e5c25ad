import { HOUR_MS } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import {
  getOverHttp,
  hourlyReadings,
  reading,
  T,
  TEST_STATION,
  useApiFixture,
} from "../testdata/api-fixture.ts";

// GET /network?at=… is the network as it was at `at`: each station's latest readings at or before
// it, and silent only when none came in the silence window before it — readings the station sent
// after `at` must not hide the ones it sent before.

const api = useApiFixture({
  name: "network-at",
  stations: [TEST_STATION.aq1, TEST_STATION.noi1],
  readings: [
    // aq1: hourly PM2.5 all of 2026-06-01 and 06-02 (Beijing), the hour starting 06-01 23:00 at 88.
    ...hourlyReadings("aq1", "pm25", "2026-06-01T00:00:00+08:00", 30, 23),
    reading("aq1", "pm25", T("2026-06-01T23:00:00+08:00"), HOUR_MS, 88),
    ...hourlyReadings("aq1", "pm25", "2026-06-02T00:00:00+08:00", 40, 24),
    // noi1: instantaneous readings 12:20 (1300) and 12:40 (900) of 2026-06-01.
    { ...reading("noi1", "noi", T("2026-06-01T12:20:00+08:00"), 0, 1300) },
    { ...reading("noi1", "noi", T("2026-06-01T12:40:00+08:00"), 0, 900) },
  ],
  now: T("2026-11-30T12:00:00+08:00"),
});
const get = getOverHttp(api);

function station(body: { stations: { id: string }[] }, id: string) {
  // biome-ignore lint/suspicious/noExplicitAny: checked by the assertions
  return body.stations.find((s) => s.id === id) as any;
}

describe("/network at a past time", () => {
  it("gives each station's latest reading at or before `at`, not silent, though it reported later", async () => {
    const body = await get(`/api/v1/network?at=${encodeURIComponent("2026-06-01T23:30:00+08:00")}`);
    const aq1 = station(body, "aq1");
    expect(aq1.latest).toEqual([
      {
        metric: "pm25",
        ts: "2026-06-01T23:00:00+08:00",
        value: 88,
        unit: "µg/m³",
        flag: "N",
        periodMs: HOUR_MS,
      },
    ]);
    expect(aq1.lastReadingAt).toBe("2026-06-01T23:00:00+08:00");
    expect(aq1.silent).toBe(false);
  });

  it("within the hour holding `at`, the last reading not after it", async () => {
    const body = await get(`/api/v1/network?at=${encodeURIComponent("2026-06-01T12:30:00+08:00")}`);
    const noi1 = station(body, "noi1");
    expect(noi1.latest).toMatchObject([{ metric: "noi", ts: "2026-06-01T12:20:00+08:00", value: 1300 }]);
    expect(noi1.silent).toBe(false);
  });

  it("before a station's first reading it has none and is silent; now it shows its newest", async () => {
    const before = await get(`/api/v1/network?at=${encodeURIComponent("2026-05-31T12:00:00+08:00")}`);
    expect(station(before, "aq1")).toMatchObject({ latest: [], lastReadingAt: null, silent: true });
    const now = await get("/api/v1/network");
    expect(station(now, "aq1").latest).toMatchObject([{ ts: "2026-06-02T23:00:00+08:00", value: 40 }]);
    expect(station(now, "noi1").latest).toMatchObject([{ ts: "2026-06-01T12:40:00+08:00", value: 900 }]);
  });
});
