import { METRIC_IDS, REJECTION_CODES } from "@qingshan/domain";
import { NOI_PERIODS } from "../series/noi-grade.ts";
import { AGG_FNS, EVERY } from "../series/types.ts";
import { TIME_EXPECTED } from "./time-param.ts";

/** Query-string JSON schemas: validated by Fastify and published in the OpenAPI document. */

const station = {
  type: "string",
  minLength: 1,
  description: "Station id (see GET /api/v1/stations)",
} as const;
const from = {
  type: "string",
  description: `Inclusive start: ${TIME_EXPECTED}. Default: \`to\` minus 24 h.`,
} as const;
const to = { type: "string", description: `Exclusive end: ${TIME_EXPECTED}. Default: now.` } as const;
const format = {
  type: "string",
  enum: ["json", "csv"],
  description:
    "Response format; wins over Accept. Without it: CSV when Accept names text/csv with a q-value above 0 and at least that of application/json (or application/*, */*), else JSON.",
} as const;
const bom = {
  type: "boolean",
  default: false,
  description:
    "CSV only: true starts the body with a UTF-8 byte order mark (U+FEFF), which Excel needs to read the CSV as UTF-8 (Chinese station names); default false, for scripts. Ignored for JSON.",
} as const;
const metric = { type: "string", enum: [...METRIC_IDS], description: "Metric id of the catalogue" } as const;
const limit = (max: number, def: number) =>
  ({
    type: "integer",
    minimum: 1,
    maximum: max,
    default: def,
    description: `At most this many rows (≤ ${max})`,
  }) as const;
const every = {
  type: "string",
  enum: [...EVERY],
  default: "1h",
  description:
    "Calendar step, Beijing time: 1h (hour labelled by its end), 1d (day D = hours D 01:00…D+1 00:00), 1mo",
} as const;

export const readingsQuery = {
  type: "object",
  required: ["station"],
  properties: {
    station,
    metric,
    from,
    to,
    limit: limit(100_000, 10_000),
    cursor: {
      type: "string",
      minLength: 1,
      description:
        "Continue after the last reading of a previous page: the cursor of its `next` link (opaque). Use the `next` URL as given: the cursor belongs to its station, metric, from and to.",
    },
    format,
    bom,
  },
} as const;

export const seriesQuery = {
  type: "object",
  required: ["station", "metric"],
  properties: {
    station,
    metric,
    from,
    to,
    every,
    fn: {
      type: "string",
      enum: [...AGG_FNS],
      default: "mean",
      description: "Statistic per period; count = valid readings (1h), valid hours (1d), valid days (1mo)",
    },
    format,
    bom,
  },
} as const;

export const aqiQuery = {
  type: "object",
  required: ["station"],
  properties: {
    station,
    from,
    to,
    period: {
      type: "string",
      enum: ["hour", "day"],
      default: "hour",
      description: "hour = real-time AQI per hour label; day = daily AQI per Beijing day",
    },
    pmBasis: {
      type: "string",
      enum: ["auto", "hourly", "rolling24h"],
      description:
        "HJ 633-2012 real-time PM basis (ignored for 2026-edition hours): hourly 1-h means or 24-h rolling means; auto = hourly from 2014-01-01 (published practice)",
    },
    format,
    bom,
  },
} as const;

export const waterQuery = {
  type: "object",
  required: ["station"],
  properties: {
    station,
    from,
    to,
    period: { type: "string", enum: [...EVERY], default: "1d", description: "Assessment period" },
    format,
    bom,
  },
} as const;

/**
 * GET /noi/grade's query; `schemes`: the grade tables a request may name (the shipped ids and the
 * configured table's), `inForce`: the configured one, the default.
 */
export function noiQuery(schemes: readonly string[], inForce: string) {
  return {
    type: "object",
    required: ["station"],
    properties: {
      station,
      from,
      to,
      period: {
        type: "string",
        enum: [...NOI_PERIODS],
        default: "1h",
        description:
          "Period whose mean is graded, Beijing time: 1h, 1d (from ≥ 20 valid hourly means), 1mo (≥ 27 valid days, 25 in February), 1y (calendar year: the mean of the valid daily means, valid with ≥ 324 of them) — the air-quality minimums applied to NOI as a local rule",
      },
      scheme: {
        type: "string",
        enum: [...schemes],
        description: `Grade table to grade by, for comparing tables; default the one in force (${inForce}), which the NOI alerts use too. Every table is provisional until the bureau confirms one`,
      },
      format,
      bom,
    },
  } as const;
}

export const deadLettersQuery = {
  type: "object",
  properties: {
    from,
    to,
    station: { type: "string", minLength: 1, description: "Only dead letters about this station" },
    code: {
      type: "string",
      enum: Object.keys(REJECTION_CODES),
      description:
        "Only this rejection code (the @qingshan/domain catalogue REJECTION_CODES), e.g. value.out_of_range",
    },
    limit: limit(10_000, 1_000),
    cursor: {
      type: "string",
      minLength: 1,
      description:
        "Continue after the last dead letter of a previous page: the cursor of its `next` link (opaque). Use the `next` URL as given: the cursor belongs to its station, code, from and to.",
    },
    format,
    bom,
  },
} as const;

export const stationParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", minLength: 1, description: "Station id" } },
} as const;

export const observationsQuery = {
  type: "object",
  properties: {
    backfill: {
      type: "boolean",
      default: false,
      description: "Historical data: accepted beyond the live lateness limit and not alerted on",
    },
  },
} as const;

const observation = {
  type: "object",
  required: ["ts", "values"],
  properties: {
    ts: {
      anyOf: [
        { type: "string", description: "ISO 8601 with offset" },
        { type: "integer", description: "epoch ms" },
      ],
    },
    values: { type: "object", additionalProperties: true, description: "metric id → number" },
    flags: { type: "object", additionalProperties: true, description: "metric id → HJ 212 flag (default N)" },
    period: { type: "string", description: 'ISO 8601 averaging period, e.g. "PT1H"; absent = instantaneous' },
    units: {
      type: "object",
      additionalProperties: { type: "string" },
      description: "declared units (must be canonical)",
    },
  },
} as const;

/**
 * The wire payload: one observation or an array (packages/domain wire contract). Published in
 * the OpenAPI document only: the body is passed to ingest as raw text, which validates it.
 */
export const observationsBody = {
  description: "Wire JSON payload: one observation or an array of them",
  anyOf: [observation, { type: "array", items: observation }],
} as const;

/**
 * What a value failing a schema `pattern` should have been, in words, by pattern: the error
 * handler answers this instead of the raw regular expression.
 */
export const PATTERN_EXPECTED = new Map<string, string>();

const commaList = (values: readonly string[], what: string) => {
  const pattern = `^(${values.join("|")})(,(${values.join("|")}))*$`;
  PATTERN_EXPECTED.set(pattern, `one or more of ${values.join(", ")}, comma-separated`);
  return {
    type: "string",
    pattern,
    description: `${what}: one or more of ${values.join(", ")}, comma-separated`,
  } as const;
};

export const alertsQuery = {
  type: "object",
  properties: {
    status: commaList(["open", "acknowledged", "resolved"], "Alert status"),
    station: { type: "string", minLength: 1, description: 'Station id, or "district"' },
    rule: { type: "string", minLength: 1, description: "Rule id, e.g. heavy-pollution-warning" },
    severity: commaList(["info", "warning", "critical"], "Severity"),
    from: {
      type: "string",
      description: `Keeps the alerts not resolved before this time: resolvedAt (processing time) absent or ≥ from — not the data time startedAt. Format: ${TIME_EXPECTED}`,
    },
    to: {
      type: "string",
      description: `Keeps the alerts raised before this time: raisedAt (processing time) < to — not the data time startedAt. Format: ${TIME_EXPECTED}`,
    },
    limit: limit(1_000, 100),
    format,
    bom,
  },
} as const;

export const alertParams = {
  type: "object",
  required: ["alertId"],
  properties: { alertId: { type: "string", minLength: 1, description: "Alert id (shared by its events)" } },
} as const;

/** The acknowledgement body; published in the OpenAPI document, validated by the route (zod). */
export const ackBody = {
  type: "object",
  required: ["actor"],
  properties: {
    actor: { type: "string", minLength: 1, maxLength: 100, description: "Who acknowledges (duty officer)" },
    note: { type: "string", maxLength: 2000, description: "What is being done about it" },
  },
} as const;

const alertDetail = {
  type: "object",
  additionalProperties: true,
  properties: {
    metric: { type: "string" },
    value: { type: "number" },
    limit: { type: "number" },
    note: { type: "string" },
    since: {
      type: "string",
      description: "When this metric's condition began (a stuck or flagged run), Beijing ISO 8601",
    },
  },
} as const;

/** An alert's or a rule's severity. */
const severity = { type: "string", enum: ["info", "warning", "critical"] } as const;

const bilingual = {
  type: "object",
  additionalProperties: true,
  properties: { zh: { type: "string" }, en: { type: "string" } },
} as const;

/*
 * The properties an alert's events and its folded state share, with the same meaning. Spread in
 * place: fast-json-stringify writes the properties in the schema's order, so each schema keeps the
 * order it has always answered in.
 */

/** What the condition was: its severity and level, the metric, value and threshold it compared. */
const alertCondition = {
  severity,
  level: { type: "string" },
  metric: { type: "string" },
  value: { type: "number" },
  threshold: { type: "number" },
  window: { type: "string" },
  standard: { type: "string" },
} as const;

/** The per-metric details and the bilingual message. */
const alertText = {
  details: { type: "array", items: alertDetail },
  message: bilingual,
} as const;

/** `calendarWindow` without its description (the event and the state word it each their own way). */
const calendarWindow = { type: "string", enum: ["day", "month", "year-to-date"] } as const;

/** `path` without its description. */
const warningPath = { type: "string", enum: ["warning", "healthAdvisory"] } as const;

/** `conditionHolds`: the description's common part; each schema adds where the value comes from. */
const conditionHolds = {
  type: "boolean",
  description:
    "Whether the condition of the announced level holds at dataTime; false for a heavy-pollution warning whose level is only held while it steps down",
} as const;

/** An AlertEvent of @qingshan/domain (immutable; the state is folded from these). */
export const alertEventSchema = {
  type: "object",
  additionalProperties: true,
  properties: {
    id: { type: "string" },
    alertId: { type: "string" },
    type: {
      type: "string",
      enum: ["raised", "level_changed", "renotified", "escalated", "acknowledged", "resolved"],
    },
    at: { type: "string", description: "ISO 8601, Beijing time" },
    ruleId: { type: "string" },
    stationId: { type: "string" },
    ...alertCondition,
    startedAt: { type: "string" },
    dataTime: { type: "string" },
    ...alertText,
    actor: { type: "string" },
    note: { type: "string" },
    tier: { type: "integer" },
    levelName: {
      ...bilingual,
      description:
        "The level's name where the rule file gives one (rules levels[].name, e.g. 严重污染 / severely polluted); absent for the warning colours, water classes and NOI grades",
    },
    calendarWindow: {
      ...calendarWindow,
      description:
        "The Beijing calendar period of a day-step rule: startedAt and dataTime are then the END of the day assessed (the day is startedAt − 1 ms). Absent: not a calendar window",
    },
    conditionHolds: {
      ...conditionHolds,
      description: `${conditionHolds.description}. Only on raised and level_changed events (absent on events stored before the field)`,
    },
    path: {
      ...warningPath,
      description:
        "A heavy-pollution warning's path: warning (suggested warning) or healthAdvisory (public health advisory, 健康提示, for an episode driven by a pollutant the rule routes there — O3 by default). A level_changed event at the level before with another path is a change of path only. Absent on other rules' events and on events stored before the field (read as warning)",
    },
  },
} as const;

/** The current state of an alert (foldAlertEvents). */
export const alertStateSchema = {
  type: "object",
  additionalProperties: true,
  properties: {
    alertId: { type: "string" },
    ruleId: { type: "string" },
    stationId: { type: "string" },
    status: { type: "string", enum: ["open", "acknowledged", "resolved"] },
    ...alertCondition,
    ...alertText,
    raisedAt: { type: "string" },
    startedAt: { type: "string" },
    updatedAt: { type: "string" },
    dataTime: {
      type: "string",
      description:
        "The data time of the value shown (value, message): the latest raised or level_changed event's dataTime (the hour it belongs to, labelled by its end; a calendar window: the end of the day), when that event has one. Absent for an event stored without it",
    },
    valueAt: {
      type: "string",
      description:
        "When the value shown was evaluated: at of the latest raised or level_changed event (raisedAt until the level changes; not updatedAt, which any event moves, nor lastNotifiedAt). valueAt before dataTime and within its period: a value of a period under way, provisional (an hour is labelled by its end, the CNEMC publication convention)",
    },
    acknowledgedAt: { type: "string" },
    acknowledgedBy: { type: "string" },
    acknowledgeNote: { type: "string" },
    resolvedAt: { type: "string" },
    tier: { type: "integer" },
    lastNotifiedAt: { type: "string" },
    notifications: { type: "integer" },
    eventCount: { type: "integer" },
    link: { type: "string", description: "URL of the alert in the API (when publicUrl is set)" },
    levelName: {
      ...bilingual,
      description:
        "The current level's name where the rule file gives one (rules levels[].name, e.g. 严重污染 / severely polluted); absent for the warning colours, water classes and NOI grades",
    },
    calendarWindow: {
      ...calendarWindow,
      description:
        "The raised event's calendarWindow: the Beijing calendar period of a day-step rule: startedAt is then the END of the day assessed (the day is startedAt − 1 ms). Absent: not a calendar window",
    },
    conditionHolds: {
      ...conditionHolds,
      description: `${conditionHolds.description}. From the latest raise or level change; absent when that event has none`,
    },
    path: {
      ...warningPath,
      description:
        "A heavy-pollution warning's path (warning or healthAdvisory, 健康提示), from the latest raise or level change carrying one",
    },
    ruleDescription: {
      ...bilingual,
      description:
        "What the alert's rule tests, from the rules file (rules[].description, e.g. 小时AQI重度及以上污染（AQI > 200）); GET /api/v1/rules gives its conditions. Absent when the API was started without the rules file or the rule is no longer in it",
    },
  },
} as const;

const duration = {
  type: "string",
  description: "A duration as in the rules file: 0, or a whole number of m / h / d (45m, 2h, 7d)",
} as const;

const ruleLevel = {
  type: "object",
  additionalProperties: true,
  properties: {
    id: { type: "string" },
    name: bilingual,
    threshold: { type: "number" },
    clearThreshold: {
      type: "number",
      description: "The level is left only when the value no longer compares with this one",
    },
    severity,
  },
} as const;

/** A rule of the rules file as GET /rules answers it (routes/rules.ts ruleSummary). */
/**
 * What a rule is, by the condition it tests: a fixed `threshold`, a `gb3095-limit` (the station's
 * GB 3095 grade), `levels` (named levels with hysteresis), `warning-levels` (the heavy-pollution
 * warning preset), an `annual-target`, the `water-class` against the section's target, the
 * `noi-grade`, or a `data-quality` check.
 */
export const RULE_KINDS = [
  "threshold",
  "gb3095-limit",
  "levels",
  "warning-levels",
  "annual-target",
  "water-class",
  "noi-grade",
  "data-quality",
] as const;

export const ruleSchema = {
  type: "object",
  additionalProperties: true,
  required: [
    "id",
    "description",
    "kind",
    "enabled",
    "appliesTo",
    "subject",
    "for",
    "clear",
    "damping",
    "severity",
    "standard",
  ],
  properties: {
    id: { type: "string", description: "The ruleId of its alerts" },
    description: { ...bilingual, description: "What the rule tests, as the alert messages name it" },
    kind: {
      type: "string",
      enum: RULE_KINDS,
      description:
        "The condition tested: a fixed threshold, the GB 3095 limit of the station's grade, named levels, the heavy-pollution warning levels, an annual-mean target, the water class against the section's target, the NOI grade, or a data-quality check",
    },
    enabled: { type: "boolean" },
    appliesTo: {
      type: "object",
      additionalProperties: true,
      properties: {
        kinds: { type: "array", items: { type: "string" }, description: "Station kinds (air, water, noi)" },
        stations: {
          type: "array",
          items: { type: "string" },
          description: "Only these stations (absent: every station of the kinds)",
        },
        drinkingWaterSource: {
          type: "boolean",
          description: "Water: only drinking-water sources (true) or only other sections (false)",
        },
      },
    },
    subject: {
      type: "object",
      additionalProperties: true,
      description: "One of metric, index or check, with the check's parameters",
      properties: {
        metric: { type: "string" },
        index: { type: "string" },
        check: { type: "string", enum: ["silent", "stuck", "out_of_range", "flag_duration"] },
        scheme: { type: "string" },
        intervals: { type: "integer" },
        repeats: { type: "integer" },
        metrics: { type: "array", items: { type: "string" } },
        flags: { type: "array", items: { type: "string" } },
        maxDuration: duration,
      },
    },
    window: { type: "string", enum: ["1h", "8h", "24h", "day", "month", "year-to-date", "latest"] },
    maxAge: { ...duration, description: "window latest: values older than this are not used" },
    comparison: { type: "string", enum: [">", ">=", "<", "<=", "worse_than_target", "grade"] },
    threshold: {
      anyOf: [
        { type: "number" },
        {
          type: "object",
          additionalProperties: true,
          properties: {
            gb3095: {
              type: "object",
              additionalProperties: true,
              properties: {
                grade: { type: "string", enum: ["I", "II", "station"] },
                averaging: { type: "string" },
              },
            },
          },
        },
      ],
      description: "A number in the metric's unit, or the GB 3095 limit { gb3095: { grade, averaging } }",
    },
    levels: { type: "array", items: ruleLevel, description: "From least to most severe" },
    warning: {
      type: "object",
      additionalProperties: true,
      properties: {
        preset: { type: "string", description: "The warning-level document's id (2017, 2018, 2024)" },
        title: { type: "string" },
        levels: { type: "array", items: { type: "string" }, description: "Its levels, lowest first" },
        severities: { type: "object", additionalProperties: true },
        pollutantRouting: {
          type: "object",
          additionalProperties: true,
          description:
            "Path per primary pollutant (so2, no2, co, o3, pm10, pm25 → warning | healthAdvisory): an episode driven by a pollutant routed healthAdvisory is a public health advisory (健康提示), not a suggested warning",
        },
        pollutantRoutingProvisional: {
          type: "boolean",
          description:
            "True when the rule sets no routing and the provisional default applies (O3 → healthAdvisory)",
        },
      },
    },
    annualTarget: {
      type: "object",
      additionalProperties: true,
      properties: {
        target: { type: "number" },
        atRiskMargin: { type: "number" },
        severities: { type: "object", additionalProperties: true },
      },
    },
    for: { ...duration, description: "How long the condition must hold before the alert is raised" },
    clear: {
      type: "object",
      additionalProperties: true,
      description:
        "The alert clears after the condition has not held (or the value has passed threshold) for `for`",
      properties: { threshold: { type: "number" }, for: duration },
    },
    stepDownFor: {
      ...duration,
      description: "Levelled rules: how long a lower level must hold before the alert steps down to it",
    },
    damping: {
      ...duration,
      description:
        "After the clear condition is met the alert stays open this long; a recurrence continues it",
    },
    severity,
    standard: { type: "string" },
    routes: {
      type: "array",
      items: { type: "string" },
      description: "Notifier routes that deliver the rule's alerts",
    },
    tier: { type: "integer", description: "First duty-roster tier notified" },
    replaces: {
      type: "array",
      items: { type: "string" },
      description: "Earlier rule ids whose alerts this rule took over",
    },
  },
} as const;

/** The first year a compliance route assesses (times before 2000 are refused everywhere). */
export const MIN_YEAR = 2000;

const year = {
  type: "integer",
  minimum: MIN_YEAR,
  description:
    "Calendar year (Beijing time), up to the current one: a later year has not begun and is a 400 naming `year`. Default: the current year.",
} as const;

export const complianceYearQuery = {
  type: "object",
  properties: { year, format, bom },
} as const;

export const waterComplianceQuery = {
  type: "object",
  properties: {
    period: {
      type: "string",
      enum: ["month", "year"],
      default: "month",
      description: "Assess the month or the year (to date) containing `at`",
    },
    at: {
      type: "string",
      description: `A time inside the period: ${TIME_EXPECTED}, in a month (year) that has begun — a later one is a 400 naming \`at\`. Default: now.`,
    },
    format,
    bom,
  },
} as const;

export const networkQuery = {
  type: "object",
  properties: {
    at: {
      type: "string",
      description: `Evaluate the network state at this time: ${TIME_EXPECTED}. Default: now.`,
    },
  },
} as const;
