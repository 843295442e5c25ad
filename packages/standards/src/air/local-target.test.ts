import { describe, expect, it } from "vitest";
import { LIANDU_PM25_ANNUAL_TARGET } from "./local-target.ts";

describe("LIANDU_PM25_ANNUAL_TARGET", () => {
  it("cites the action plan by title and document number, with the value and year it states", () => {
    const t = LIANDU_PM25_ANNUAL_TARGET;
    expect(t.source).toContain("莲都区生态文明示范创建行动实施方案");
    expect(t.source).toContain("莲政办发〔2018〕113号");
    expect(t.source).toContain(`${t.value} ${t.unit} by ${t.by}`);
    expect(t).toMatchObject({ pollutant: "pm25", averaging: "annual", value: 32, by: 2020 });
  });

  it("reads as a citation, not a developer note", () => {
    expect(LIANDU_PM25_ANNUAL_TARGET.source).not.toMatch(/\.md\b|DESIGN|as quoted|unverified|as recalled/);
  });
});
