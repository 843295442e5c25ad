import { describe, expect, it } from "vitest";
import { annualCell, annualValueText, annualVerdict } from "../public/js/air-annual.js";

describe("annualValueText", () => {
  it("shows a value as the alert messages do: one decimal from 1 up, else three significant digits", () => {
    expect(annualValueText(40.318181818181, 35)).toBe("40.3");
    expect(annualValueText(58.6, 75)).toBe("58.6");
    expect(annualValueText(0.85416666, 4)).toBe("0.854");
    expect(annualValueText(12, 60)).toBe("12");
    expect(annualValueText(12.34, null)).toBe("12.3");
  });

  it("adds digits where rounding would put a value on the other side of its limit", () => {
    // 35.04 exceeds 35 (compared unrounded), "35" would not read as exceeding.
    expect(annualValueText(35.04, 35)).toBe("35.04");
    expect(annualValueText(35.0000012, 35)).toBe("35.000001");
    // 34.96 does not exceed 35, and "35" does not read as exceeding either: one decimal as elsewhere.
    expect(annualValueText(34.96, 35)).toBe("35");
    expect(annualValueText(35, 35)).toBe("35");
  });

  it("says — without a value", () => {
    expect(annualValueText(null, 35)).toBe("—");
    expect(annualValueText(undefined, 35)).toBe("—");
  });
});

describe("annualVerdict", () => {
  it("gives no verdict while the year runs, whatever the data", () => {
    expect(annualVerdict({ sufficientData: true, exceedsLimit: true }, true)).toBe("in_progress");
    expect(annualVerdict({ sufficientData: false, exceedsLimit: null }, true)).toBe("in_progress");
  });

  it("says too few valid days, not a pass, without sufficient data (GB 3095 Table 4)", () => {
    expect(annualVerdict({ sufficientData: false, exceedsLimit: null }, false)).toBe("insufficient_data");
  });

  it("exceeds or within its limit with sufficient data", () => {
    expect(annualVerdict({ sufficientData: true, exceedsLimit: true }, false)).toBe("exceeds");
    expect(annualVerdict({ sufficientData: true, exceedsLimit: false }, false)).toBe("within");
    expect(annualVerdict({ sufficientData: true, exceedsLimit: null }, false)).toBe("no_limit");
  });
});

describe("annualCell", () => {
  it("gives a statistic's value, unrounded value, limit, verdict and valid days", () => {
    expect(
      annualCell(
        {
          value: 40.318181818181,
          limit: { value: 35 },
          validDays: 360,
          sufficientData: true,
          exceedsLimit: true,
        },
        { inProgress: false, elapsedDays: 365 },
      ),
    ).toEqual({
      value: "40.3",
      exact: "40.318181818181",
      limit: "35",
      verdict: "exceeds",
      days: "360 / 365",
    });
    expect(
      annualCell(
        { value: null, limit: { value: 4 }, validDays: 0, sufficientData: false, exceedsLimit: null },
        { inProgress: false, elapsedDays: 365 },
      ),
    ).toEqual({ value: "—", exact: "", limit: "4", verdict: "insufficient_data", days: "0 / 365" });
    expect(
      annualCell(
        { value: 21.5, limit: null, validDays: 3, sufficientData: false, exceedsLimit: null },
        { inProgress: true, elapsedDays: 3 },
      ),
    ).toEqual({ value: "21.5", exact: "21.5", limit: "—", verdict: "in_progress", days: "3 / 3" });
  });
});
