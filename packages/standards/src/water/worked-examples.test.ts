import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { assessSection } from "./assess.ts";
import type { TargetClass, WaterBody, WaterClass } from "./classes.ts";
import { classifyParameter } from "./classify.ts";
import { GB3838_ITEMS } from "./gb3838-table.ts";

// A verbatim copy of the project's shared/standards/water-gb3838.json (see ../standards-copies.test.ts).
const here = dirname(fileURLToPath(import.meta.url));
const jsonPath = resolve(here, "../../testdata/shared-standards/water-gb3838.json");

interface Example {
  id: string;
  title: string;
  waterBody: WaterBody;
  targetClassNumber?: number;
  input: Record<string, number>;
  expected: {
    perParameter: Record<string, WaterClass>;
    sectionClass: WaterClass;
    worstParameters: string[];
    meetsTarget: boolean;
  };
}

interface Parameter {
  key: string;
  direction: string;
  limits?: number[] | { river?: number[]; lake?: number[] };
  range?: [number, number];
}

interface JsonClass {
  label: WaterClass;
  status_zh: string;
  status_en: string;
  color: string;
}

const data = JSON.parse(readFileSync(jsonPath, "utf8")) as {
  workedExamples: Example[];
  parameters: Parameter[];
  classes: JsonClass[];
};

const KEY_TO_METRIC: Record<string, string> = Object.fromEntries(GB3838_ITEMS.map((i) => [i.key, i.metric]));
const metricOf = (key: string): string => {
  const metric = KEY_TO_METRIC[key];
  if (metric === undefined) throw new Error(`no metric for JSON key ${key}`);
  return metric;
};
const mapKeys = <T>(record: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [metricOf(k), v]));
const TARGETS: TargetClass[] = ["I", "II", "III", "IV", "V"];

describe("GB 3838-2002 worked examples (water-gb3838.json)", () => {
  it("has all 14 examples", () => {
    expect(data.workedExamples).toHaveLength(14);
  });

  it.each(data.workedExamples.map((e) => [e.id, e] as const))("%s", (_id, example) => {
    const targetClass = TARGETS[(example.targetClassNumber ?? 3) - 1];
    const result = assessSection({
      waterBody: example.waterBody,
      targetClass,
      values: mapKeys(example.input),
    });
    expect(result.class).toBe(example.expected.sectionClass);
    expect(result.parameterClasses).toEqual(mapKeys(example.expected.perParameter));
    expect(result.deciding).toEqual(example.expected.worstParameters.map(metricOf));
    expect(result.meetsTarget).toBe(example.expected.meetsTarget);
    // 环办〔2011〕22号 (water-gb3838.md §4): status and colour follow the section class.
    const cls = data.classes.find((c) => c.label === example.expected.sectionClass);
    expect(result.status).toStrictEqual({ zh: cls?.status_zh, en: cls?.status_en, color: cls?.color });
    for (const [key, cls] of Object.entries(example.expected.perParameter)) {
      expect(classifyParameter(metricOf(key), example.input[key] ?? Number.NaN, example.waterBody)).toBe(cls);
    }
  });
});

describe("table agrees with water-gb3838.json", () => {
  it.each(data.parameters.map((p) => [p.key, p] as const))("%s", (key, parameter) => {
    const row = GB3838_ITEMS.find((i) => i.key === key);
    expect(row).toBeDefined();
    if (row === undefined) return;
    const river = Array.isArray(parameter.limits) ? parameter.limits : parameter.limits?.river;
    const lake = Array.isArray(parameter.limits) ? parameter.limits : parameter.limits?.lake;
    expect(row.river?.map(Number) ?? undefined).toEqual(river);
    expect(row.lake?.map(Number) ?? undefined).toEqual(lake);
    if (parameter.range) expect(row.range?.map(Number)).toEqual(parameter.range);
  });
});
