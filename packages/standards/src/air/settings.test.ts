import { describe, expect, it } from "vitest";
import { assertAqiSettings, concentrationRoundingLabel, pmRealtimeBasisOn } from "./settings.ts";

describe("pmRealtimeBasisOn (air-aqi.md §3.1)", () => {
  it("auto follows the published practice: 24-h rolling before 2014-01-01, 1-h from then", () => {
    expect(pmRealtimeBasisOn("auto", "2013-12-31")).toBe("rolling24h");
    expect(pmRealtimeBasisOn(undefined, "2014-01-01")).toBe("hourly");
  });

  it("hourly and rolling24h hold for every date", () => {
    expect(pmRealtimeBasisOn("rolling24h", "2025-06-01")).toBe("rolling24h");
    expect(pmRealtimeBasisOn("hourly", "2013-06-01")).toBe("hourly");
  });

  it("refuses an unknown setting or a bad date", () => {
    expect(() => pmRealtimeBasisOn("daily" as never, "2025-06-01")).toThrow(/pmRealtimeBasis2012/);
    expect(() => assertAqiSettings({ pmRealtimeBasis2012: "daily" as never })).toThrow(RangeError);
    expect(() => pmRealtimeBasisOn("auto", "2025-6-1")).toThrow(RangeError);
  });
});

describe("concentrationRoundingLabel (standards README, Review notes: provisional)", () => {
  it("names the mode and its rule, always provisional; half-even by default", () => {
    expect(concentrationRoundingLabel()).toMatchObject({ mode: "half-even", provisional: true });
    expect(concentrationRoundingLabel("truncate").rule).toContain("truncated");
    expect(() => concentrationRoundingLabel("ceiling" as never)).toThrow(/concentrationRounding2026/);
  });
});
