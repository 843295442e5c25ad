import { z } from "zod";
import { METRIC_IDS, METRICS, type MetricId, STATION_KINDS } from "./metrics.ts";

export const WATER_CLASSES = ["I", "II", "III", "IV", "V"] as const;

/** HJ 212-2017 data uploads that carry pollutant values: real-time, minute, hourly, daily (hj212.md §3). */
export const HJ212_DATA_COMMANDS = ["2011", "2051", "2061", "2031"] as const;

/**
 * The data uploads a station's series can hold (`hj212.commands`): not 2031 daily data, whose
 * value is the station's own daily mean — Qingshan computes a day from its hourly values (HJ 663
 * validity), and the daily reading, stamped at the day's start, would replace that hour's value.
 */
export const HJ212_STORABLE_COMMANDS = ["2011", "2051", "2061"] as const;

/**
 * A monitoring station as configured in the registry (config/stations or seeds/).
 *
 * @example
 * StationSchema.parse({ id: "ld-aq-01", name: { zh: "莲都监测站", en: "Liandu station" }, kind: "air",
 *   location: { lat: 28.45, lon: 119.92 }, township: "万象街道" })
 */
export const StationSchema = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "letters, digits, '_', '.', '-'; at most 64 characters"),
    name: z.object({ zh: z.string().min(1), en: z.string().min(1) }),
    kind: z.enum(STATION_KINDS),
    location: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }),
    township: z.string().min(1),
    /** Metrics this station reports; defaults to every metric of its kind. */
    metrics: z.array(z.enum(METRIC_IDS)).optional(),
    /** Expected interval between readings, for the offline check. */
    reportingIntervalMs: z.number().int().positive().default(3_600_000),
    /**
     * Per-metric interval between readings where a metric is measured at another rate than the
     * station's `reportingIntervalMs` (e.g. CODMn, NH3-N, TP every 4 h at an automatic water
     * station, water-gb3838.md §5). Sets how much sampling each reading is credited with and how
     * many values a day of the metric needs (reportingIntervalOf, @qingshan/standards dailyMinimum).
     */
    metricReportingIntervalMs: z.partialRecord(z.enum(METRIC_IDS), z.number().int().positive()).optional(),
    /** GB 3095 functional area: class1 (nature reserves…) uses Grade I limits, class2 Grade II. */
    airArea: z.enum(["class1", "class2"]).optional(),
    water: z
      .object({
        waterBody: z.enum(["river", "lake"]),
        river: z.string().optional(),
        targetClass: z.enum(WATER_CLASSES).default("III"),
        drinkingWaterSource: z.boolean().default(false),
      })
      .optional(),
    hj212: z
      .object({
        mn: z.string().min(1).max(24),
        /**
         * The station's access password (HJ 212 `PW`, hj212.md §1.1): when set, a packet of this MN
         * with another PW (or none) is rejected whole; unset, any PW is taken.
         */
        pw: z
          .string()
          .regex(/^[\x21-\x3a\x3c-\x7e]{1,6}$/, "1–6 printable ASCII characters other than ';' (HJ 212 PW)")
          .optional(),
        /** Whether DataTime marks the start (default) or the end of the averaging period (hj212.md §5). */
        dataTimeMarks: z.enum(["start", "end"]).default("start"),
        /** Per-metric unit as the device sends it, when not canonical (e.g. hg: "µg/L"). */
        units: z.record(z.string(), z.string()).default({}),
        /**
         * The data uploads stored as readings. A station sending two products of one metric (e.g.
         * real-time 2011 and hourly 2061) would have them overwrite each other where their times
         * meet (the store keeps one reading per station, metric and time) and mixed in the hourly
         * means: list the one its series should hold. The others, and 2031 daily data always
         * (HJ212_STORABLE_COMMANDS), are answered and counted, not stored.
         */
        commands: z
          .array(
            z.enum(HJ212_STORABLE_COMMANDS, {
              error: (issue) =>
                issue.input === "2031"
                  ? "2031 daily data is not stored: Qingshan computes each day from the hourly values (HJ 663), so a station's own daily mean is answered and counted only; expected 2011, 2051 or 2061"
                  : `expected one of ${HJ212_STORABLE_COMMANDS.join(", ")}, received ${JSON.stringify(issue.input)}`,
            }),
          )
          .min(1)
          .default([...HJ212_STORABLE_COMMANDS]),
        /** Period of CN 2051 minute data: set at the station by CN 1063/1064, not in the packet (hj212.md §3). */
        minuteDataPeriodMs: z.number().int().positive().default(60_000),
        /** Vendor pollutant codes → metric, checked before the standard's table (standards README: "keep the code map configurable"). */
        codes: z.record(z.string(), z.enum(METRIC_IDS)).default({}),
      })
      .optional(),
    demo: z.boolean().default(false),
  })
  .superRefine((station, ctx) => {
    if (station.kind === "water" && station.water === undefined) {
      ctx.addIssue({ code: "custom", path: ["water"], message: "a water station needs water.waterBody" });
    }
    for (const metric of Object.keys(station.metricReportingIntervalMs ?? {}) as MetricId[]) {
      const reported = station.metrics
        ? station.metrics.includes(metric)
        : METRICS[metric].kinds.includes(station.kind);
      if (!reported)
        ctx.addIssue({
          code: "custom",
          path: ["metricReportingIntervalMs", metric],
          message: `${metric} is not a metric this station reports`,
        });
    }
  });

export type Station = z.infer<typeof StationSchema>;
export type StationInput = z.input<typeof StationSchema>;

/**
 * The interval between readings of `metric` at `station`: its entry in
 * `metricReportingIntervalMs`, else the station's `reportingIntervalMs`.
 *
 * @example
 * reportingIntervalOf({ ...station, reportingIntervalMs: 3_600_000, metricReportingIntervalMs: { tp: 14_400_000 } }, "tp") // 14_400_000
 */
export function reportingIntervalOf(
  station: Pick<Station, "reportingIntervalMs" | "metricReportingIntervalMs">,
  metric: MetricId,
): number {
  return station.metricReportingIntervalMs?.[metric] ?? station.reportingIntervalMs;
}
