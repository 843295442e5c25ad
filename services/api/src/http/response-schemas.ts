import { METRIC_IDS, STATION_KINDS } from "@qingshan/domain";

/**
 * Response JSON schemas: published in the OpenAPI document and used by Fastify to serialize.
 * Every object allows additional properties, so a field the route returns and a schema does not
 * list is still sent (fast-json-stringify drops unlisted fields otherwise); nullable fields are
 * marked, since it writes null as 0 or "" for a plain number or string.
 */

type Schema = Record<string, unknown>;

/** An object listing its fields; others pass through. */
export function object(properties: Record<string, Schema>, required: readonly string[] = []): Schema {
  return {
    type: "object",
    additionalProperties: true,
    properties,
    ...(required.length > 0 ? { required } : {}),
  };
}

const str = (description?: string): Schema => ({
  type: "string",
  ...(description ? { description } : {}),
});
const nullable = (schema: Schema): Schema => ({ ...schema, nullable: true });
const num = { type: "number" } as const;
const int = { type: "integer" } as const;
const bool = { type: "boolean" } as const;
const time = (description = "ISO 8601, Beijing time (+08:00)") => str(description);
const arrayOf = (items: Schema): Schema => ({ type: "array", items });
const bilingual = object({ zh: str(), en: str() }, ["zh", "en"]);

/**
 * A 200 (or other) response answered as JSON, or as RFC 4180 CSV with `?format=csv` or an
 * `Accept` preferring `text/csv` (respond.ts wantsCsv; text fields that would start a formula
 * prefixed with `'`, see csv.ts).
 */
export function jsonOrCsv(
  description: string,
  json: Schema,
  columns: readonly string[],
  csvNote?: string,
): Schema {
  return {
    description,
    content: {
      "application/json": { schema: json },
      "text/csv": {
        schema: {
          type: "string",
          description: `RFC 4180 CSV, header row then one row per item; a text field starting with =, +, -, @, tab or CR has a ' prefixed (CSV injection), numbers are written as they are; UTF-8, with a byte order mark (U+FEFF) first only when bom=true; sent as an attachment (Content-Disposition); columns: ${columns.join(", ")}${csvNote ? `. ${csvNote}` : ""}`,
        },
      },
    },
  };
}

/** A response answered as JSON only. */
export function jsonOnly(description: string, json: Schema): Schema {
  return { description, ...json };
}

const waterSchema = object({
  waterBody: { type: "string", enum: ["river", "lake"] },
  river: str(),
  targetClass: { type: "string", enum: ["I", "II", "III", "IV", "V"] },
  drinkingWaterSource: bool,
});

export const stationSchema = object(
  {
    id: str(),
    name: bilingual,
    kind: { type: "string", enum: [...STATION_KINDS] },
    location: object({ lat: num, lon: num }, ["lat", "lon"]),
    township: str(),
    metrics: arrayOf({ type: "string", enum: [...METRIC_IDS] }),
    reportingIntervalMs: int,
    metricReportingIntervalMs: {
      type: "object",
      description: "Interval between readings (ms) of the metrics measured at another rate than the station",
      additionalProperties: int,
    },
    airArea: { type: "string", enum: ["class1", "class2"] },
    water: waterSchema,
    hj212: object({ mn: str(), dataTimeMarks: { type: "string", enum: ["start", "end"] } }),
    demo: bool,
  },
  ["id", "name", "kind", "location", "township", "metrics", "reportingIntervalMs", "demo"],
);

const latestReading = object(
  {
    metric: { type: "string", enum: [...METRIC_IDS] },
    ts: time("Start of the averaging period (or the instant), Beijing time"),
    value: num,
    unit: str(),
    flag: str("HJ 212 data flag (N = valid)"),
    periodMs: { ...int, description: "Averaging period, ms; 0 = instantaneous" },
  },
  ["metric", "ts", "value", "unit", "flag", "periodMs"],
);

export const stationsResponse = object({ stations: arrayOf(stationSchema) }, ["stations"]);

export const stationResponse = object({ station: stationSchema, latest: arrayOf(latestReading) }, [
  "station",
  "latest",
]);

const range = { from: time("Start of the range (inclusive)"), to: time("End of the range (exclusive)") };

export const readingsResponse = object(
  {
    station: str(),
    metric: { type: "string", enum: [...METRIC_IDS] },
    ...range,
    count: int,
    truncated: {
      ...bool,
      description: "True when more than `limit` readings matched: the earliest `limit` were returned",
    },
    next: str(
      "Only when truncated: path and query of the next page (this query with `cursor`, and `from`/`to` pinned), continuing exactly after the last reading returned; also in the Link header (rel=next)",
    ),
    readings: arrayOf(
      object(
        {
          ts: time(),
          station: str(),
          metric: { type: "string", enum: [...METRIC_IDS] },
          value: num,
          unit: str(),
          flag: str(),
          periodMs: int,
          source: str(),
          receivedAt: time(),
        },
        ["ts", "station", "metric", "value", "unit", "flag", "periodMs", "source", "receivedAt"],
      ),
    ),
  },
  ["station", "from", "to", "count", "truncated", "readings"],
);

const periodProperties = {
  label: str("Beijing label: the hour's end (ISO 8601), YYYY-MM-DD, YYYY-MM or YYYY (/noi/grade period=1y)"),
  start: time("Period start (inclusive)"),
  end: time("Period end (exclusive)"),
  inProgress: { ...bool, description: "The period has not ended at request time; values may change" },
  value: nullable({ ...num, description: "The statistic; null when the period is not valid" }),
  valid: bool,
  reason: str("Why the period is not valid"),
  notSampled: {
    type: "boolean",
    enum: [true],
    description:
      "Only on an hour without a reading of a metric measured less often than hourly (station metricReportingIntervalMs > 1 h): no value was expected in it, unlike missing data",
  },
  validCount: int,
  totalCount: int,
  rule: str("The validity rule applied, with its source"),
  provisional: { ...bool, description: "The rule or its source is provisional (not confirmed yet)" },
};
const periodRequired = [
  "label",
  "start",
  "end",
  "inProgress",
  "value",
  "valid",
  "validCount",
  "totalCount",
  "rule",
  "provisional",
];

export const seriesResponse = object(
  {
    station: str(),
    metric: { type: "string", enum: [...METRIC_IDS] },
    unit: str('Unit of the values ("count" for fn=count)'),
    every: str(),
    fn: str(),
    ...range,
    periods: arrayOf(object(periodProperties, periodRequired)),
  },
  ["station", "metric", "unit", "every", "fn", "from", "to", "periods"],
);

const nullableNumberMap = (description: string): Schema => ({
  type: "object",
  description,
  additionalProperties: nullable(num),
});

export const aqiResponse = object(
  {
    station: str(),
    period: { type: "string", enum: ["hour", "day"] },
    ...range,
    results: arrayOf(
      object(
        {
          label: periodProperties.label,
          start: periodProperties.start,
          end: periodProperties.end,
          inProgress: periodProperties.inProgress,
          standard: str("HJ 633 edition applied (HJ633-2012 / HJ633-2026)"),
          aqi: nullable({ ...int, description: "Published AQI; null when nothing was indexed or withheld" }),
          iaqi: nullableNumberMap("IAQI per report indicator provided"),
          primary: arrayOf(str()),
          exceeding: {
            ...arrayOf(str()),
            description:
              "HJ 633-2012 results only: pollutants with IAQI > 100 (超标污染物). Absent from HJ 633-2026 results (the definition was deleted)",
          },
          level: nullable({ ...int, minimum: 1, maximum: 6 }),
          category: nullable(object({ zh: str(), en: str(), color: str() })),
          pmBasis: { type: "string", enum: ["hourly", "rolling24h"] },
          aboveScale: arrayOf(str()),
          withheld: object({ aqi: int, reason: str() }, ["aqi", "reason"]),
          missing: arrayOf(str()),
          notInProgramme: {
            ...arrayOf(str()),
            description:
              "Report indicators of pollutants the station does not measure (not in its monitoring programme, HJ 633-2026 §5.3): published as '/', not missing; they do not withhold a 2026 AQI",
          },
          concentrationRounding: {
            ...object(
              {
                mode: { type: "string", enum: ["half-even", "truncate"] },
                rule: str("The rounding applied, with its source"),
                provisional: { ...bool, description: "Sources citing HJ 633-2026 §4.2 disagree on the mode" },
              },
              ["mode", "rule", "provisional"],
            ),
            description:
              "HJ 633-2026 results only: how concentrations were rounded before indexing (§4.2.2–4.2.3), provisional",
          },
          concentrations: nullableNumberMap(
            "Concentration per indicator as indexed: HJ 633-2026 rounded (§4.2.2–4.2.3, half-even; CO 0.1, others integers), HJ 633-2012 as computed; the unrounded mean is indicators[k].value",
          ),
          indicators: {
            type: "object",
            description: "Per indicator: the value, its basis, how many hours it was built from, why missing",
            additionalProperties: object(
              { value: nullable(num), basis: str(), validCount: int, reason: str() },
              ["value", "basis", "validCount"],
            ),
          },
        },
        [
          "label",
          "start",
          "end",
          "inProgress",
          "standard",
          "aqi",
          "iaqi",
          "primary",
          "level",
          "category",
          "concentrations",
          "indicators",
        ],
      ),
    ),
  },
  ["station", "period", "from", "to", "results"],
);

/** The NOI grade table a result was graded by (negative-oxygen-ions.md §2: none verified). */
const noiSchemeSchema = object(
  {
    id: str("The table's id (candidate-a, candidate-b, or a table set in the configuration)"),
    title: object({ zh: str(), en: str() }, ["zh", "en"]),
    source: str("Where the table comes from, as users read it"),
    provisional: { ...bool, description: "The table is not confirmed yet (true for both shipped tables)" },
    inForce: {
      ...bool,
      description: "The table the NOI alerts use (the configured one); false when `scheme` named another",
    },
  },
  ["id", "source", "provisional", "inForce"],
);

export const noiGradeResponse = object(
  {
    station: str(),
    unit: str(),
    period: str(),
    scheme: noiSchemeSchema,
    ...range,
    results: arrayOf(
      object(
        {
          ...periodProperties,
          grade: nullable(
            object({ grade: str(), zh: str(), en: str(), color: str(), scheme: str(), provisional: bool }, [
              "grade",
              "zh",
              "en",
              "color",
              "scheme",
              "provisional",
            ]),
          ),
        },
        [...periodRequired, "grade"],
      ),
    ),
  },
  ["station", "unit", "period", "scheme", "from", "to", "results"],
);

export const deadLettersResponse = object(
  {
    ...range,
    count: int,
    truncated: {
      ...bool,
      description: "True when more than `limit` dead letters matched: the newest `limit` were returned",
    },
    next: str(
      "Only when truncated: path and query of the next page (this query with `cursor`, and `from`/`to` pinned), continuing exactly after the last dead letter returned; also in the Link header (rel=next)",
    ),
    deadLetters: arrayOf(
      object(
        {
          id: str(),
          receivedAt: time(),
          source: str('"mqtt", "hj212-tcp", "import", "bus"'),
          origin: str("MQTT topic, TCP peer or file name"),
          stationId: str(),
          code: str("Rejection code, e.g. value.out_of_range"),
          path: str("Field path inside the payload"),
          message: str(),
          payload: str("The raw payload text (truncated to 4 KiB)"),
        },
        ["id", "receivedAt", "source", "origin", "code", "path", "message", "payload"],
      ),
    ),
  },
  ["from", "to", "count", "truncated", "deadLetters"],
);

const rejection = object({ code: str(), path: str(), received: {}, expected: str(), message: str() }, [
  "code",
  "path",
  "expected",
  "message",
]);

export const observationsAccepted = object(
  {
    station: str(),
    backfill: bool,
    accepted: { ...int, description: "Readings accepted" },
    rejected: { ...int, description: "Rejections (each dead-lettered)" },
    rejections: arrayOf(rejection),
  },
  ["station", "backfill", "accepted", "rejected", "rejections"],
);

const networkState = nullable(
  object({
    type: { type: "string", enum: ["aqi", "water", "noi"] },
    label: str(),
    aqi: nullable(int),
    level: nullable(int),
    category: nullable(object({ zh: str(), en: str(), color: str() })),
    primary: arrayOf(str()),
    standard: str(),
    window: str(),
    class: {},
    targetClass: str(),
    meetsTarget: {},
    deciding: {},
    value: nullable(num),
    grade: {},
  }),
);

export const networkResponse = object(
  {
    at: time("The time the state is evaluated at"),
    stations: arrayOf(
      object(
        {
          id: str(),
          name: bilingual,
          kind: { type: "string", enum: [...STATION_KINDS] },
          location: object({ lat: num, lon: num }, ["lat", "lon"]),
          township: str(),
          water: waterSchema,
          lastReadingAt: nullable(time()),
          silent: bool,
          state: { ...networkState, description: "Latest AQI (air), class vs target (water), grade (noi)" },
          latest: arrayOf(latestReading),
        },
        ["id", "name", "kind", "location", "township", "lastReadingAt", "silent", "state", "latest"],
      ),
    ),
  },
  ["at", "stations"],
);

const source = object({ value: num, source: str() }, ["value", "source"]);

const pm25ComplianceRow = object(
  {
    stationId: str('Station id, or "district"'),
    name: bilingual,
    status: {
      type: "string",
      enum: ["on_track", "at_risk", "exceeded", "met", "not_met", "no_data", "insufficient_data"],
      description:
        "While the year runs: on_track, at_risk (rounded mean above 90% of the target), exceeded (the rounding threshold is out of reach even at zero for every remaining day). Once the year has ended: met (rounded annual mean ≤ target) or not_met — the final verdict. no_data: no valid day. insufficient_data: GB 3095 Table 4's counts for an annual mean (≥ 324 valid daily means, ≥ 27 in every month, 25 in February) are not met and can no longer be — no verdict (GB 3095-2012 §6.1: data below the minimums are invalid)",
    },
    ytdMean: nullable({
      ...num,
      description:
        "Mean of the valid daily means so far, computed exactly and rounded to an integer half-even (GB/T 8170); null without data and for insufficient_data (not a valid annual mean)",
    }),
    unroundedYtdMean: nullable({
      ...num,
      description: "The exact mean as the nearest double (display only); null when ytdMean is",
    }),
    invalidMean: nullable({
      ...num,
      description:
        "insufficient_data only: the mean of the valid daily means, which GB 3095 Table 4 does not allow as an annual mean — never to be compared with the target or the limit; null on every other row",
    }),
    validDays: int,
    elapsedDays: int,
    target: num,
    roundingThreshold: object(
      {
        value: { ...num, description: "⌊target⌋ + 0.5: the annual means up to it round to ≤ the target" },
        inclusive: {
          ...bool,
          description:
            "Whether value itself meets the target (half-even: 32.5 → 32 meets 32; 33.5 → 34 does not meet 33)",
        },
      },
      ["value", "inclusive"],
    ),
    requiredMeanForRest: nullable({
      ...num,
      description:
        "Mean the remaining days (assumed valid) must keep for the annual mean to stay within roundingThreshold: at most this when inclusive, below it otherwise; null at year end and for insufficient_data",
    }),
    sufficientData: {
      ...bool,
      description:
        "The valid days counted meet GB 3095 Table 4's annual minimum (≥ 324, ≥ 27 in every month, 25 in February), as /compliance/air-annual's sufficientData: for a closed year, whether the annual mean is valid; while the year runs, false until the counts are reached",
    },
    sufficientDataProRata: {
      ...bool,
      description:
        "Projection: valid days so far ≥ ⌈elapsedDays · 324/365⌉ (day count only, not the monthly minimums); the rule warns at risk only with it",
    },
    validityAttainable: {
      ...bool,
      description: "A valid annual mean is still possible if every remaining day is valid (GB 3095 Table 4)",
    },
    validity: object(
      {
        requiredDays: int,
        attainableDays: { ...int, description: "Valid days plus the days of the year not yet counted" },
        shortMonths: arrayOf({
          ...int,
          description: "A month (1 … 12) that can no longer reach its minimum",
        }),
        months: arrayOf(
          object({ month: int, validDays: int, minimum: int, attainableDays: int }, [
            "month",
            "validDays",
            "minimum",
            "attainableDays",
          ]),
        ),
      },
      ["requiredDays", "attainableDays", "shortMonths", "months"],
    ),
    nationalLimit: nullable(source),
    method: str(),
  },
  [
    "stationId",
    "name",
    "status",
    "ytdMean",
    "unroundedYtdMean",
    "invalidMean",
    "validDays",
    "elapsedDays",
    "target",
    "roundingThreshold",
    "requiredMeanForRest",
    "sufficientData",
    "sufficientDataProRata",
    "validityAttainable",
    "validity",
    "nationalLimit",
  ],
);

export const pm25ComplianceResponse = object(
  {
    year: int,
    unit: str(),
    from: time("Start of the year"),
    to: time("End of the last completed day counted"),
    inProgress: bool,
    elapsedDays: int,
    daysInYear: int,
    target: object({ value: num, source: str(), authority: str() }, ["value", "source"]),
    rule: str(),
    district: pm25ComplianceRow,
    stations: arrayOf(pm25ComplianceRow),
  },
  [
    "year",
    "unit",
    "from",
    "to",
    "inProgress",
    "elapsedDays",
    "daysInYear",
    "target",
    "rule",
    "district",
    "stations",
  ],
);

const waterClassEnum = { type: "string", enum: ["I", "II", "III", "IV", "V", "劣V"] } as const;
const numberMap = (description: string): Schema => ({
  type: "object",
  description,
  additionalProperties: num,
});
const intMap = (description: string): Schema => ({ type: "object", description, additionalProperties: int });
const stringMap = (description: string): Schema => ({
  type: "object",
  description,
  additionalProperties: str(),
});

const waterPeriod = object(
  {
    label: periodProperties.label,
    start: periodProperties.start,
    end: periodProperties.end,
    inProgress: periodProperties.inProgress,
    valid: { ...bool, description: "Every class-deciding parameter measured has a valid period value" },
    reason: str("Why the period has no class"),
    means: numberMap("Period mean per assessed parameter (station units); pH as phAveraging says"),
    counts: intMap("Valid items behind each mean (as /series validCount)"),
    invalidParameters: stringMap("Parameters without a valid period value, with the reason"),
    class: nullable({
      ...waterClassEnum,
      description: "GB 3838-2002 single-factor class; null when not valid",
    }),
    targetClass: str(),
    meetsTarget: nullable(bool),
    deciding: arrayOf(str()),
    status: nullable(object({ zh: str(), en: str(), color: str() })),
    exceedance: numberMap(
      "超标倍数: (value − Class III limit) / Class III limit for items above Class III, as published: 2 decimals, GB/T 8170 half-even on the exact quotient (CODMn 10 → 0.67)",
    ),
    mainPollutants: arrayOf(
      object({ metric: str(), class: waterClassEnum, exceedance: nullable(num) }, [
        "metric",
        "class",
        "exceedance",
      ]),
    ),
    parameterClasses: stringMap("Class per given item"),
    referenceOnly: arrayOf(str()),
    notAssessed: arrayOf(str()),
    basis: str(),
    standard: str(),
  },
  [
    "label",
    "start",
    "end",
    "inProgress",
    "valid",
    "means",
    "counts",
    "invalidParameters",
    "class",
    "meetsTarget",
  ],
);

/** How pH's period means were taken (water class settings). */
const phAveraging = object(
  {
    method: { type: "string", enum: ["hydrogen-ion", "arithmetic"] },
    rule: str("The averaging applied, with its source"),
    provisional: { ...bool, description: "The rule's source is provisional (not confirmed yet)" },
  },
  ["method", "rule", "provisional"],
);

export const waterClassResponse = object(
  {
    station: str(),
    waterBody: { type: "string", enum: ["river", "lake"] },
    targetClass: str(),
    period: { type: "string", enum: ["1h", "1d", "1mo"] },
    ...range,
    units: stringMap("Unit per metric"),
    phAveraging,
    results: arrayOf(waterPeriod),
  },
  ["station", "waterBody", "targetClass", "period", "from", "to", "units", "phAveraging", "results"],
);

const waterShare = object(
  {
    sections: int,
    assessed: { ...int, description: "Sections with a valid class" },
    notAssessable: int,
    meeting: int,
    share: nullable({ ...num, description: "meeting / assessed; null when none was assessed" }),
  },
  ["sections", "assessed", "notAssessable", "meeting", "share"],
);

export const waterComplianceResponse = object(
  {
    period: { type: "string", enum: ["month", "year"] },
    label: str("YYYY-MM or YYYY"),
    from: time("Start of the period"),
    to: time("End of the last completed day counted"),
    inProgress: bool,
    phAveraging,
    all: waterShare,
    drinkingWater: waterShare,
    sections: arrayOf(
      object(
        {
          stationId: str(),
          name: bilingual,
          river: nullable(str()),
          drinkingWaterSource: bool,
          targetClass: str(),
          valid: bool,
          reason: str(),
          class: nullable(waterClassEnum),
          meetsTarget: nullable(bool),
          deciding: arrayOf(str()),
          means: numberMap("Period value per assessed parameter"),
          counts: intMap("Valid items behind each value"),
          invalidParameters: stringMap("Parameters not assessed, with the reason"),
        },
        [
          "stationId",
          "name",
          "river",
          "drinkingWaterSource",
          "targetClass",
          "valid",
          "class",
          "meetsTarget",
          "deciding",
          "means",
          "counts",
          "invalidParameters",
        ],
      ),
    ),
  },
  ["period", "label", "from", "to", "inProgress", "phAveraging", "all", "drinkingWater", "sections"],
);

export const aqiDaysResponse = object(
  {
    year: int,
    from: time("Start of the year"),
    to: time("End of the last completed day counted"),
    inProgress: {
      ...bool,
      description: "The year has not ended at request time: the counts and the ratio are year to date",
    },
    categories: arrayOf(
      object({ level: int, zh: str(), en: str(), color: str() }, ["level", "zh", "en", "color"]),
    ),
    stations: arrayOf(
      object(
        {
          stationId: str(),
          name: bilingual,
          days: { ...int, description: "Completed days counted" },
          counts: {
            ...object(
              {
                1: int,
                2: int,
                3: int,
                4: int,
                5: int,
                6: int,
                na: { ...int, description: "Days without any daily AQI (no indicator valid)" },
              },
              ["1", "2", "3", "4", "5", "6", "na"],
            ),
            description:
              "Days per level: levels 1 and 2 count complete days only (no indicator of the station's programme missing); levels 3–6 every day with a daily AQI > 100, complete or not (incompletePollutedDays of them had pollutants missing: a lower bound). Days with pollutants missing and an AQI ≤ 100 are in incompleteDays, not here: days = Σ counts + incompleteDays",
          },
          excellentGoodDays: {
            ...int,
            description: "Days with a complete daily AQI ≤ 100 (levels 1 优 and 2 良: counts 1 + 2)",
          },
          validAqiDays: {
            ...int,
            description: "Days that enter the ratio: Σ counts 1…6 (days − na − incompleteDays)",
          },
          excellentGoodShare: nullable({
            ...num,
            description:
              "优良天数比例 excellent/good-day ratio, 0 … 1 (unrounded): excellentGoodDays / validAqiDays; null when validAqiDays is 0",
          }),
          incompleteDays: {
            ...int,
            description:
              "Days with pollutants of the programme missing and an AQI ≤ 100 from the others (HJ 633-2012: published with that AQI, e.g. 优; HJ 633-2026: withheld, NA): they may have been polluted, so they are in no level, not in na and not in the ratio",
          },
          incompletePollutedDays: {
            ...int,
            description:
              "Days counted in levels 3–6 with pollutants missing: polluted whatever the missing ones, their level a lower bound",
          },
        },
        [
          "stationId",
          "name",
          "days",
          "counts",
          "excellentGoodDays",
          "validAqiDays",
          "excellentGoodShare",
          "incompleteDays",
          "incompletePollutedDays",
        ],
      ),
    ),
    excellentGood: object(
      {
        definition: str("How the excellent/good-day ratio is counted"),
        target: nullable({
          ...num,
          description: "The plan's target for the ratio: none in the 2018 Liandu plan (null)",
        }),
        standards: arrayOf({
          type: "string",
          enum: ["HJ633-2012", "HJ633-2026"],
          description:
            "AQI editions in force for the days counted (both in 2026: the switch is on 2026-03-01)",
        }),
        note: str("What missing data does to the ratio under the editions in `standards`"),
      },
      ["definition", "target", "standards", "note"],
    ),
  },
  ["year", "from", "to", "inProgress", "categories", "excellentGood", "stations"],
);
