import type { WarningConfig } from "./types.ts";

// Presets are shared data: freeze every level and condition, not only the top object.
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export type WarningPresetId = "2017" | "2018" | "2024";

/** 环大气〔2017〕86号: four levels. */
// Provenance: heavy-pollution-warning.md §2.2, confirmed by two independent public copies.
export const WARNING_PRESET_2017: WarningConfig = deepFreeze({
  id: "2017",
  title: "重污染天气预警分级标准和应急减排措施修订工作方案",
  source: "环大气〔2017〕86号 预警分级",
  provisional: false,
  levels: [
    { id: "blue", allOf: [{ aqiAbove: 200, forHours: 24 }] }, // 2017 §2.2: blue, AQI > 200
    { id: "yellow", allOf: [{ aqiAbove: 200, forHours: 48 }] }, // 2017 §2.2: yellow, AQI > 200 for ≥ 48 h
    {
      id: "orange",
      allOf: [
        { aqiAbove: 200, forHours: 72 },
        { aqiAbove: 300, forHours: 24 },
      ],
    }, // 2017 §2.2: orange, > 200 for ≥ 72 h and > 300 on a day
    {
      id: "red",
      anyOf: [
        {
          allOf: [
            { aqiAbove: 200, forHours: 96 },
            { aqiAbove: 300, forHours: 48 },
          ],
        }, // 2017 §2.2: red, > 200 for ≥ 96 h and > 300 for ≥ 48 h
        { aqiAtLeast: 500, forHours: 24 }, // 2017 §2.2: red, or AQI reaching 500
      ],
    },
  ],
} as const satisfies WarningConfig);

/** 环办大气函〔2018〕875号: three levels, blue dropped. */
// Provenance (heavy-pollution-warning.md §2.3): the document number is from memory, and sources
// disagree whether orange also needs "AQI > 300"; this preset follows our recollection of the text
// (it does), hence provisional.
export const WARNING_PRESET_2018: WarningConfig = deepFreeze({
  id: "2018",
  title: "关于推进重污染天气应急预案修订工作的指导意见",
  source: "环办大气函〔2018〕875号 预警分级",
  provisional: true,
  levels: [
    { id: "yellow", allOf: [{ aqiAbove: 200, forHours: 48 }] }, // 2018 §2.3: yellow, > 200 for ≥ 48 h
    {
      id: "orange",
      allOf: [
        { aqiAbove: 200, forHours: 72 },
        { aqiAbove: 300, forHours: 24 },
      ],
    }, // 2018 §2.3: orange, > 200 for ≥ 72 h (and > 300: sources disagree)
    {
      id: "red",
      anyOf: [
        {
          allOf: [
            { aqiAbove: 200, forHours: 96 },
            { aqiAbove: 300, forHours: 48 },
          ],
        }, // 2018 §2.3: red, > 200 for ≥ 96 h and > 300 for ≥ 48 h
        { aqiAtLeast: 500, forHours: 24 }, // 2018 §2.3: red, or AQI reaching 500
      ],
    },
  ],
} as const satisfies WarningConfig);

/** 生态环境部关于进一步优化重污染天气应对机制的指导意见 (2024): three levels with lower triggers. */
// Provenance (heavy-pollution-warning.md §2.4, §3.4): thresholds as recalled and as one public tool
// implements them; not read from the guidance itself, not confirmed for Zhejiang/Lishui, so
// provisional until the bureau confirms.
export const WARNING_PRESET_2024: WarningConfig = deepFreeze({
  id: "2024",
  title: "关于进一步优化重污染天气应对机制的指导意见",
  source: "生态环境部 2024年 预警分级",
  provisional: true,
  levels: [
    {
      id: "yellow",
      anyOf: [
        { aqiAbove: 200, forHours: 24 },
        { aqiAbove: 150, forHours: 48 },
      ],
    }, // 2024 §2.4: yellow, > 200 (24 h) or > 150 for ≥ 48 h
    {
      id: "orange",
      anyOf: [
        { aqiAbove: 200, forHours: 48 },
        { aqiAbove: 150, forHours: 72 },
      ],
    }, // 2024 §2.4: orange, > 200 for ≥ 48 h or > 150 for ≥ 72 h
    {
      id: "red",
      allOf: [
        { aqiAbove: 200, forHours: 72 },
        { aqiAbove: 300, forHours: 24 },
      ],
    }, // 2024 §2.4: red, > 200 for ≥ 72 h and > 300 for ≥ 24 h
  ],
} as const satisfies WarningConfig);

/** The shipped presets by id. */
export const WARNING_PRESETS: Readonly<Record<WarningPresetId, WarningConfig>> = Object.freeze({
  "2017": WARNING_PRESET_2017,
  "2018": WARNING_PRESET_2018,
  "2024": WARNING_PRESET_2024,
});

/** Default preset: 2024, labelled provisional (heavy-pollution-warning.md §3.4). */
export const DEFAULT_WARNING_PRESET: WarningPresetId = "2024";
