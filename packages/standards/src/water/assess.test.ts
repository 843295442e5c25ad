import { describe, expect, it } from "vitest";
import { assessSection } from "./assess.ts";

describe("assessSection", () => {
  it("returns the whole assessment of example 4 (劣V, main pollutants)", () => {
    expect(
      assessSection({ waterBody: "river", values: { ph: 7.0, do: 5.5, codmn: 7.5, nh3n: 2.6, tp: 0.28 } }),
    ).toEqual({
      class: "劣V",
      parameterClasses: { ph: "I", do: "III", codmn: "IV", nh3n: "劣V", tp: "IV" },
      deciding: ["nh3n"],
      referenceOnly: [],
      notAssessed: [],
      meetsTarget: false,
      targetClass: "III",
      status: { zh: "重度污染", en: "heavily polluted", color: "red" },
      exceedance: { codmn: 0.25, nh3n: 1.6, tp: 0.4 },
      mainPollutants: [
        { metric: "nh3n", class: "劣V", exceedance: 1.6 },
        { metric: "tp", class: "IV", exceedance: 0.4 },
        { metric: "codmn", class: "IV", exceedance: 0.25 },
      ],
      basis: "5 of 21 assessed items",
      standard: "GB 3838-2002 Table 1; 环办〔2011〕22号",
    });
  });

  it("lists reference and unclassed items of an automatic-station hour (example 13)", () => {
    const a = assessSection({
      waterBody: "river",
      values: {
        ph: 7.3,
        do: 6.4,
        codmn: 4.8,
        nh3n: 0.66,
        tp: 0.14,
        tn: 2.1,
        cond: 260,
        turb: 18,
        temp: 16.5,
      },
    });
    expect(a.class).toBe("III");
    expect(a.referenceOnly).toEqual(["temp", "tn"]);
    expect(a.notAssessed).toEqual(["cond", "turb"]);
    expect(a.status).toEqual({ zh: "良好", en: "good", color: "green" });
    expect(a.exceedance).toEqual({});
    expect(a.mainPollutants).toEqual([]);
    expect(a.basis).toBe("5 of 21 assessed items");
  });

  it("never lets TN or fecal coliform worsen the class, but reports their exceedance", () => {
    const a = assessSection({ waterBody: "lake", values: { ph: 7, do: 8, tn: 3, fcoli: 50000 } });
    expect(a.class).toBe("I");
    expect(a.parameterClasses).toEqual({ ph: "I", do: "I", tn: "劣V", fcoli: "劣V" });
    expect(a.referenceOnly).toEqual(["tn", "fcoli"]);
    expect(a.exceedance).toEqual({ tn: 2, fcoli: 4 });
    expect(a.mainPollutants).toEqual([]);
    expect(a.status?.zh).toBe("优");
  });

  it("gives no class when no assessed item is present", () => {
    const a = assessSection({ waterBody: "river", values: { temp: 12, cond: 300, tn: 1 } });
    expect(a.class).toBeNull();
    expect(a.status).toBeNull();
    expect(a.meetsTarget).toBe(false);
    expect(a.deciding).toEqual([]);
    expect(a.parameterClasses).toEqual({});
    expect(a.basis).toBe("0 of 21 assessed items");
  });

  it("puts cyanide and heavy metals first among main pollutants, then class, then multiple", () => {
    const a = assessSection({
      waterBody: "river",
      values: { ph: 7, do: 1.5, codmn: 30, nh3n: 8, tp: 0.5, pb: 0.06, cn: 0.21 },
    });
    expect(a.class).toBe("劣V");
    expect(a.deciding).toEqual(["do", "codmn", "nh3n", "tp", "cn"]);
    // cn (劣V) and pb (IV) take precedence over the worse nh3n (7) and codmn (4).
    expect(a.mainPollutants.map((p) => p.metric)).toEqual(["cn", "pb", "nh3n"]);
    expect(a.exceedance.pb).toBeCloseTo(0.2, 15);
  });

  it("lists DO and pH as main pollutants without a multiple", () => {
    const a = assessSection({ waterBody: "river", values: { ph: 9.5, do: 1.5, nh3n: 1.2 } });
    expect(a.mainPollutants).toEqual([
      { metric: "ph", class: "劣V", exceedance: null },
      { metric: "do", class: "劣V", exceedance: null },
      { metric: "nh3n", class: "IV", exceedance: 0.2 },
    ]);
    expect(a.exceedance).toEqual({ nh3n: 0.2 });
  });

  it("compares with the target class", () => {
    const values = { ph: 7, do: 4.2 };
    expect(assessSection({ waterBody: "river", values, targetClass: "IV" }).meetsTarget).toBe(true);
    expect(assessSection({ waterBody: "river", values, targetClass: "III" }).meetsTarget).toBe(false);
    expect(assessSection({ waterBody: "river", values }).targetClass).toBe("III");
  });

  it("throws RangeError naming the key for bad input", () => {
    expect(() => assessSection({ waterBody: "river", values: { ph: 7, pm25: 3 } })).toThrow(/pm25/);
    expect(() => assessSection({ waterBody: "river", values: { nh3n: Number.NaN } })).toThrow(/nh3n/);
    expect(() => assessSection({ waterBody: "river", values: { tp: -1 } })).toThrow(/tp/);
    expect(() => assessSection({ waterBody: "river", values: { do: Number.POSITIVE_INFINITY } })).toThrow(
      RangeError,
    );
    expect(() => assessSection({ waterBody: "sea" as "river", values: {} })).toThrow(/waterBody/);
    expect(() => assessSection({ waterBody: "river", targetClass: "劣V" as "V", values: {} })).toThrow(
      /targetClass/,
    );
  });

  it("publishes exceedance multiples to 2 decimals, GB/T 8170 half-even on the exact quotient (water-gb3838.md §4: 氨氮(1.6), 高锰酸盐指数(0.25))", () => {
    // ld-wq-06: CODMn mean 10 against the class III limit 6 → 0.666… → 0.67 (was 0.6666666666666666).
    const a = assessSection({
      waterBody: "river",
      values: { codmn: 10, nh3n: 1.0125, tp: 0.227, cd: 0.00501, hg: 0.0001001, cod: 33.1 },
    });
    expect(a.exceedance).toEqual({
      codmn: 0.67,
      nh3n: 0.01, // 0.0125 → 0.01 (tie to even)
      tp: 0.14, // 0.135 → 0.14 (tie to even)
      cd: 0, // 0.002 above the limit publishes 0 (the item is still above class III)
      hg: 0, // 0.001
      cod: 0.66, // 0.655 → 0.66 (tie to even)
    });
    // Main pollutants carry the published multiple; equal published multiples are ordered by the
    // unrounded ones (NH3-N 0.6702 before COD 0.667, both 0.67 and class V), not Table 1 order.
    const b = assessSection({ waterBody: "river", values: { cod: 33.34, nh3n: 1.6702, bod5: 7 } });
    expect(b.exceedance).toEqual({ cod: 0.67, nh3n: 0.67, bod5: 0.75 });
    expect(b.mainPollutants).toEqual([
      { metric: "bod5", class: "V", exceedance: 0.75 },
      { metric: "nh3n", class: "V", exceedance: 0.67 },
      { metric: "cod", class: "V", exceedance: 0.67 },
    ]);
  });
});
