import type { Reading } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { hourlyReadings, reading, T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";
import { parseCsv } from "../testdata/csv.ts";

const NOI: Reading[] = Array.from({ length: 48 }, (_, k) =>
  reading("noi1", "noi", T("2026-11-29T00:00:00+08:00") + k * 300_000, 0, 1_200 + k),
);

const fixture = useApiFixture({
  name: "csv-columns",
  stations: [TEST_STATION.aq1, TEST_STATION.noi1],
  readings: [
    // Every indicator but PM2.5: HJ 633-2026 §5.3.1 withholds an AQI ≤ 100 with one missing.
    ...(["so2", "no2", "co", "o3", "pm10"] as const).flatMap((m, i) =>
      hourlyReadings("aq1", m, "2026-11-29T00:00:00+08:00", [5, 20, 0.4, 40, 30][i] as number, 3),
    ),
    ...NOI,
  ],
  now: T("2026-11-29T12:00:00+08:00"),
});

async function both(url: string) {
  const [json, csv] = await Promise.all([
    fixture.app.inject({ url }),
    fixture.app.inject({ url: `${url}&format=csv` }),
  ]);
  expect(json.statusCode).toBe(200);
  expect(csv.statusCode).toBe(200);
  return { json: json.json(), csv: parseCsv(csv.body) };
}

describe("CSV carries what explains a row", () => {
  it("/aqi: a withheld AQI row has withheld_aqi, withheld_reason and missing, appended after in_progress", async () => {
    const { json, csv } = await both(
      "/api/v1/aqi?station=aq1&from=2026-11-29T00:00:00%2B08:00&to=2026-11-29T04:00:00%2B08:00",
    );
    const at = csv.header.indexOf("in_progress");
    expect(csv.header.slice(at, at + 4)).toEqual([
      "in_progress",
      "withheld_aqi",
      "withheld_reason",
      "missing",
    ]);
    const withheld = json.results.filter((r: { withheld?: unknown }) => r.withheld !== undefined);
    expect(withheld.length).toBe(3);
    for (const result of json.results) {
      const row = csv.rows.find((r) => r.label === result.label);
      expect(row).toBeDefined();
      expect(row?.aqi).toBe(result.aqi === null ? "" : String(result.aqi));
      expect(row?.withheld_aqi).toBe(result.withheld ? String(result.withheld.aqi) : "");
      expect(row?.withheld_reason).toBe(result.withheld?.reason ?? "");
      expect(row?.missing).toBe((result.missing ?? []).join(";"));
    }
    const first = csv.rows.find((r) => r.label === withheld[0].label);
    expect(first?.aqi).toBe("");
    expect(first?.withheld_reason).toContain("§5.3.1");
    expect(first?.missing).toContain("pm25_1h");
  });

  it("/noi/grade: the validity rule and whether it is provisional, appended after in_progress", async () => {
    for (const period of ["1h", "1mo"]) {
      const { json, csv } = await both(`/api/v1/noi/grade?station=noi1&period=${period}`);
      expect(csv.header.slice(-3)).toEqual(["in_progress", "rule", "provisional"]);
      expect(csv.rows.length).toBe(json.results.length);
      json.results.forEach((result: { rule: string; provisional: boolean }, i: number) => {
        expect(csv.rows[i]?.rule).toBe(result.rule);
        expect(csv.rows[i]?.provisional).toBe(String(result.provisional));
      });
      expect(csv.rows.every((r) => r.rule !== "")).toBe(true);
    }
  });
});
