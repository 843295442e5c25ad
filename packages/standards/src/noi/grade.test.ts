import { describe, expect, it } from "vitest";
import { gradeNoi, gradeNoiWith, noiSchemeOf } from "./grade.ts";
import type { NoiScheme } from "./schemes.ts";
import { NOI_CANDIDATE_A, NOI_CANDIDATE_B } from "./schemes.ts";

describe("gradeNoi", () => {
  it("grades candidate A by default, provisional", () => {
    expect(gradeNoi(1500)).toEqual({
      grade: "I",
      zh: "非常有利于健康，空气清新",
      en: "very beneficial to health, air fresh",
      color: "#00a651",
      scheme: "candidate-a",
      provisional: true,
    });
  });

  it.each([
    [0, "IV"],
    [99, "IV"],
    [99.999, "IV"],
    [100, "III"],
    [499, "III"],
    [500, "II"],
    [1199.99, "II"],
    [1200, "I"],
    [100_000, "I"],
  ])("candidate A: %s → %s", (value, grade) => {
    expect(gradeNoi(value).grade).toBe(grade);
    expect(gradeNoi(value, "candidate-a").grade).toBe(grade);
  });

  it.each([
    [0, "VI"],
    [99, "VI"],
    [100, "V"],
    [299, "V"],
    [300, "IV"],
    [499, "IV"],
    [500, "III"],
    [1199, "III"],
    [1200, "II"],
    [2999, "II"],
    [3000, "I"],
    [20_000, "I"],
  ])("candidate B: %s → %s", (value, grade) => {
    const result = gradeNoi(value, "candidate-b");
    expect(result.grade).toBe(grade);
    expect(result.scheme).toBe("candidate-b");
    expect(result.provisional).toBe(true);
  });

  it("rejects unusable values and unknown schemes", () => {
    expect(() => gradeNoi(-1)).toThrow(RangeError);
    expect(() => gradeNoi(Number.NaN)).toThrow(RangeError);
    expect(() => gradeNoi(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => gradeNoi(100, "candidate-c" as "candidate-a")).toThrow(/candidate-c/);
  });

  it("every shipped grade's min is graded into that grade", () => {
    for (const scheme of [NOI_CANDIDATE_A, NOI_CANDIDATE_B]) {
      for (const g of scheme.grades) expect(gradeNoiWith(scheme, g.min).grade).toBe(g.grade);
    }
  });
});

describe("gradeNoiWith a custom table", () => {
  const fresh: NoiScheme = {
    id: "zhejiang-2017-news",
    source: "Zhejiang Aug 2017 news wording (not a standard)",
    provisional: false,
    grades: [
      { grade: "very-fresh", min: 2100, zh: "非常清新", en: "very fresh", color: "#0a0" },
      { grade: "fresh", min: 900, zh: "较清新", en: "rather fresh", color: "#6c6" },
      { grade: "other", min: 0, zh: "一般", en: "ordinary", color: "#999" },
    ],
  };

  it("grades half-open intervals and carries the table's id and label", () => {
    expect(gradeNoiWith(fresh, 2100)).toEqual({
      grade: "very-fresh",
      zh: "非常清新",
      en: "very fresh",
      color: "#0a0",
      scheme: "zhejiang-2017-news",
      provisional: false,
    });
    expect(gradeNoiWith(fresh, 2099.5).grade).toBe("fresh");
    expect(gradeNoiWith(fresh, 899).grade).toBe("other");
  });

  it("rejects malformed tables", () => {
    const base = { id: "bad", source: "test", provisional: true };
    const g = (grade: string, min: number) => ({ grade, min, zh: grade, en: grade, color: "#000" });
    expect(() => gradeNoiWith({ ...base, grades: [] }, 1)).toThrow(/no grades/);
    expect(() => gradeNoiWith({ ...base, grades: [g("a", 0), g("b", 100)] }, 1)).toThrow(/best grade first/);
    expect(() => gradeNoiWith({ ...base, grades: [g("a", 100), g("b", 10)] }, 1)).toThrow(/min must be 0/);
    expect(() => gradeNoiWith({ ...base, grades: [g("a", 100), g("a", 0)] }, 1)).toThrow(/duplicate/);
    expect(() => gradeNoiWith({ ...base, grades: [g("a", Number.NaN), g("b", 0)] }, 1)).toThrow(/finite/);
  });
});

describe("NOI scheme sources (shown on the dashboard and in the API)", () => {
  it.each([
    [NOI_CANDIDATE_A, /^QX\/T 380-2017 /],
    [NOI_CANDIDATE_B, /^six-grade scale/],
  ] as const)("%#: cite the document and say provisional, without developer notes", (scheme, cites) => {
    expect(scheme.source).toMatch(cites);
    expect(scheme.provisional).toBe(true);
    expect(scheme.source).toContain("(provisional 暂行)");
    expect(scheme.source).not.toMatch(/\.md\b|as recalled|unverified|candidate [AB]/);
  });
});

describe("noiSchemeOf (the grade table a setting names)", () => {
  it("a shipped id gives its table; a table is checked and given back", () => {
    expect(noiSchemeOf("candidate-a")).toBe(NOI_CANDIDATE_A);
    expect(noiSchemeOf("candidate-b")).toBe(NOI_CANDIDATE_B);
    const table: NoiScheme = {
      id: "bureau",
      source: "bureau",
      provisional: false,
      grades: [
        { grade: "fresh", min: 1000, zh: "清新", en: "fresh", color: "#0a0" },
        { grade: "other", min: 0, zh: "一般", en: "ordinary", color: "#999" },
      ],
    };
    expect(noiSchemeOf(table)).toBe(table);
  });

  it("refuses an unknown id and an invalid table", () => {
    expect(() => noiSchemeOf("candidate-c" as "candidate-a")).toThrow(
      'noi: unknown scheme "candidate-c"; expected candidate-a, candidate-b or a table',
    );
    expect(() => noiSchemeOf("toString" as "candidate-a")).toThrow(/unknown scheme "toString"/);
    expect(() => noiSchemeOf({ id: "x", source: "x", provisional: true, grades: [] })).toThrow(/no grades/);
  });
});
