import { AQI_CATEGORIES } from "@qingshan/standards";
import { describe, expect, it } from "vitest";
import {
  axisLabel,
  beijingIso,
  categoryOf,
  compareAlerts,
  formatAge,
  formatMeasure,
  rangeOf,
  shortTime,
  textColorOn,
} from "../public/js/format.js";

// What the server sends as /dashboard/standards.json (Infinity becomes null in JSON).
const categories = AQI_CATEGORIES.map((c) => ({ ...c, maxAqi: Number.isFinite(c.maxAqi) ? c.maxAqi : null }));

describe("dashboard format helpers", () => {
  it("finds the HJ 633 category of an AQI, boundaries included", () => {
    expect(categoryOf(categories, 50)?.zh).toBe("优");
    expect(categoryOf(categories, 51)?.zh).toBe("良");
    expect(categoryOf(categories, 201)).toMatchObject({ zh: "重度污染", color: "#99004C" });
    expect(categoryOf(categories, 500)?.zh).toBe("严重污染");
    expect(categoryOf(categories, null)).toBeNull();
  });

  it("puts readable text on each category colour", () => {
    // Yellow and green need black text; the purple and maroon need white.
    expect(categories.map((c) => textColorOn(c.color))).toEqual([
      "#000",
      "#000",
      "#000",
      "#000",
      "#fff",
      "#fff",
    ]);
  });

  it("formats ages, Beijing times and axis labels", () => {
    const t0 = Date.parse("2026-11-29T08:00:00+08:00");
    expect(formatAge(t0, t0 + (26 * 60 + 5) * 60_000, "zh")).toBe("1 天 2 小时 5 分");
    expect(formatAge(t0, t0 + 5 * 60_000, "en")).toBe("5 min");
    expect(shortTime("2026-11-29T00:30:00Z")).toBe("2026-11-29 08:30");
    expect(beijingIso(t0)).toBe("2026-11-29T08:00:00+08:00");
    expect(axisLabel("2026-11-29T10:00:00+08:00")).toBe("11-29 10:00");
    expect(axisLabel("2026-11")).toBe("2026-11");
  });

  it("orders alerts by severity, then oldest first", () => {
    const alerts = [
      { id: "w-new", severity: "warning", raisedAt: "2026-11-29T10:00:00+08:00" },
      { id: "c-new", severity: "critical", raisedAt: "2026-11-29T11:00:00+08:00" },
      { id: "c-old", severity: "critical", raisedAt: "2026-11-29T09:00:00+08:00" },
    ];
    expect([...alerts].sort(compareAlerts).map((a) => a.id)).toEqual(["c-old", "c-new", "w-new"]);
  });

  it("aligns picker ranges to the hour so the CSV repeats the chart's request", () => {
    const now = Date.parse("2026-11-29T10:20:00+08:00");
    const r = rangeOf("24h", now);
    expect(beijingIso(r.to)).toBe("2026-11-29T11:00:00+08:00");
    expect(r.to - r.from).toBe(24 * 3_600_000);
  });
});

describe("formatMeasure", () => {
  it("shows at most four significant digits and integers as they are", () => {
    expect(formatMeasure(86.9130434783)).toBe("86.91");
    expect(formatMeasure(193.541666667)).toBe("193.5");
    expect(formatMeasure(0.123456)).toBe("0.1235");
    expect(formatMeasure(210)).toBe("210");
    expect(formatMeasure(undefined)).toBe("");
  });
});

describe("displayMeasure", () => {
  it("shows a value as the alert messages do (domain displayValue), keeping the digits that decide a class", async () => {
    const { displayValue } = await import("@qingshan/domain");
    const { displayMeasure } = await import("../public/js/format.js");
    // GB 3838 lake TP Class II is 0.025 mg/L: 0.022 must not read "0.02".
    expect(displayMeasure(0.022)).toBe("0.022");
    expect(displayMeasure(0.1334)).toBe("0.133");
    expect(displayMeasure(845.26)).toBe("845.3");
    expect(displayMeasure(null)).toBe("");
    for (const v of [0.02634, 0.0004567, 0.999, 1, 7.46, 61.417, 1234.56, -0.3333, 0])
      expect(displayMeasure(v)).toBe(String(displayValue(v)));
  });

  it("writes no unit for a dimensionless quantity", async () => {
    const { metricUnit } = await import("../public/js/format.js");
    expect(metricUnit("dimensionless")).toBe("");
    expect(metricUnit("mg/L")).toBe("mg/L");
  });
});
