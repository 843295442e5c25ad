import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AqiIndicator, AqiStandard, Pollutant } from "../types.ts";

// A verbatim copy of the project's shared/standards/air-aqi.json, kept in the repository so the
// tests run on any clone; standards-copies.test.ts checks it against the original where present.
const here = dirname(fileURLToPath(import.meta.url));
export const AIR_AQI_JSON_PATH = resolve(here, "../../../testdata/shared-standards/air-aqi.json");

export interface WorkedExample {
  id: string;
  standard: AqiStandard;
  mode: "daily" | "realtime";
  title: string;
  input: Record<string, number>;
  expected: {
    iaqi: Record<string, number | null>;
    aqi: number;
    categoryLevel: number;
    primaryPollutants: string[];
    exceedingPollutants?: string[];
  };
}

export interface JsonCategory {
  level: number;
  name_zh: string;
  name_en: string;
  hex: string;
}

type LimitSet = Record<string, Record<string, number>>;

export interface AirAqiJson {
  iaqiPoints: number[];
  breakpoints: Record<AqiStandard, Record<string, number[]>>;
  categories: JsonCategory[];
  gb3095: {
    "2012": { gradeI: LimitSet; gradeII: LimitSet };
    "2026": {
      transition: { gradeI: LimitSet; gradeII: LimitSet };
      final: { gradeI: LimitSet; gradeII: LimitSet };
    };
  };
  localTarget: { PM2_5_annualMean: number };
  workedExamples: WorkedExample[];
}

export const airAqiJson = JSON.parse(readFileSync(AIR_AQI_JSON_PATH, "utf8")) as AirAqiJson;

/** air-aqi.json key → indicator: `PM2_5_24h` → `pm25_24h`, `SO2_1h` → `so2_1h`. */
export function indicatorKey(key: string): AqiIndicator {
  return key.toLowerCase().replace("pm2_5", "pm25") as AqiIndicator;
}

/** air-aqi.json pollutant → Pollutant: `PM2_5` → `pm25`. */
export function pollutantKey(key: string): Pollutant {
  return key.toLowerCase().replace("pm2_5", "pm25") as Pollutant;
}
