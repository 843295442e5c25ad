import { HOUR_MS, type MetricId } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { hourSeries } from "./hourly-validity.ts";
import type { HourSeries } from "./types.ts";
import { waterClasses } from "./water-class.ts";

const T = (iso: string) => Date.parse(iso);
const day = T("2026-11-20T00:00:00+08:00");

function constant(metric: MetricId, values: readonly (number | null)[]): HourSeries {
  return hourSeries(
    values.flatMap((v, i) =>
      v === null
        ? []
        : [
            {
              stationId: "w",
              metric,
              hourEnd: day + (i + 1) * HOUR_MS,
              mean: v,
              min: v,
              max: v,
              validCount: 1,
              totalCount: 1,
              validPeriodMs: 0,
            },
          ],
    ),
    4 * HOUR_MS,
  );
}

describe("water class per period", () => {
  it("classes the day from period means; NH3-N decides", () => {
    // NH3-N every 4 h (instrument cycle): 1.0, 1.4 → mean 1.2 (class IV); DO 6.5 (II); temp below zero is left out.
    const series = new Map<MetricId, HourSeries>([
      ["nh3n", constant("nh3n", [1.0, null, null, null, 1.4])],
      ["do", constant("do", [6.5, 6.5])],
      ["temp", constant("temp", [-0.5])],
      ["cond", constant("cond", [320])],
    ]);
    const [d] = waterClasses(series, day, day + 24 * HOUR_MS, "1d", {
      waterBody: "river",
      targetClass: "III",
    });
    expect(d?.means).toEqual({ nh3n: 1.2, do: 6.5, temp: -0.5, cond: 320 });
    expect(d?.counts).toEqual({ nh3n: 2, do: 2, temp: 1, cond: 1 });
    expect(d?.assessment).toMatchObject({
      class: "IV",
      deciding: ["nh3n"],
      meetsTarget: false,
      notAssessed: ["cond"],
      parameterClasses: { nh3n: "IV", do: "II" },
    });
  });
  it("the same day at a reservoir and at a river: lake TP column, TN reference only (water-gb3838.md examples 6–7)", () => {
    // GB 3838-2002 Table 1 item 8 (TP 0.04: III at a lake, II at a river); 环办〔2011〕22号: TN is a reference item.
    const series = new Map<MetricId, HourSeries>([
      ["ph", constant("ph", [8.0])],
      ["do", constant("do", [7.8])],
      ["codmn", constant("codmn", [3.6])],
      ["nh3n", constant("nh3n", [0.2])],
      ["tp", constant("tp", [0.03, null, null, null, 0.05])],
      ["tn", constant("tn", [1.2])],
    ]);
    const [lake] = waterClasses(series, day, day + 24 * HOUR_MS, "1d", { waterBody: "lake" });
    expect(lake?.means.tp).toBe(0.04);
    expect(lake?.assessment).toMatchObject({
      class: "III",
      deciding: ["tp"],
      referenceOnly: ["tn"],
      meetsTarget: true,
      parameterClasses: { ph: "I", do: "I", codmn: "II", nh3n: "II", tp: "III", tn: "IV" },
    });
    const [river] = waterClasses(series, day, day + 24 * HOUR_MS, "1d", { waterBody: "river" });
    expect(river?.assessment).toMatchObject({
      class: "II",
      deciding: ["codmn", "nh3n", "tp"],
      meetsTarget: true,
    });
    expect(river?.assessment?.parameterClasses).toStrictEqual({
      ph: "I",
      do: "I",
      codmn: "II",
      nh3n: "II",
      tp: "II",
    });
  });
  it("hourly periods; a period without values is invalid", () => {
    const series = new Map<MetricId, HourSeries>([["do", constant("do", [8])]]);
    const out = waterClasses(series, day, day + 2 * HOUR_MS, "1h", { waterBody: "lake" });
    expect(out.map((p) => [p.label, p.valid, p.assessment?.class ?? null])).toEqual([
      ["2026-11-20T01:00:00+08:00", true, "I"],
      ["2026-11-20T02:00:00+08:00", false, null],
    ]);
  });
});
