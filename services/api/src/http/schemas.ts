import { METRIC_IDS } from "@qingshan/domain";
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
  description: "Response format; `csv` equals `Accept: text/csv`. Default json.",
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
  properties: { station, metric, from, to, limit: limit(100_000, 10_000), format },
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
  },
} as const;

export const noiQuery = {
  type: "object",
  required: ["station"],
  properties: {
    station,
    from,
    to,
    period: { type: "string", enum: [...EVERY], default: "1h", description: "Period whose mean is graded" },
    format,
  },
} as const;

export const deadLettersQuery = {
  type: "object",
  properties: {
    from,
    to,
    station: { type: "string", minLength: 1, description: "Only dead letters about this station" },
    code: { type: "string", minLength: 1, description: "Only this rejection code, e.g. value.out_of_range" },
    limit: limit(10_000, 1_000),
    format,
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
