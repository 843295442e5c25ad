import { z } from "zod";
import { METRIC_IDS, METRICS, type MetricId, STATION_KINDS } from "./metrics.ts";

export const WATER_CLASSES = ["I", "II", "III", "IV", "V"] as const;

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
        /** Whether DataTime marks the start (default) or the end of the averaging period (hj212.md §5). */
        dataTimeMarks: z.enum(["start", "end"]).default("start"),
        /** Per-metric unit as the device sends it, when not canonical (e.g. hg: "µg/L"). */
        units: z.record(z.string(), z.string()).default({}),
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
