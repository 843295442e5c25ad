import { METRICS, type MetricId } from "@qingshan/domain";

/** Metrics whose 1-h minimum (≥ 45 min) GB 3095 Table 4 lists (air-aqi.md §7; NOx is not measured here). */
const TABLE4_HOURLY: ReadonlySet<MetricId> = new Set(["so2", "no2", "co", "o3"]);

/** Metrics whose 24-h minimum (≥ 20 hourly means) GB 3095 Table 4 lists (air-aqi.md §7; not O3). */
const TABLE4_DAILY: ReadonlySet<MetricId> = new Set(["so2", "no2", "co", "pm10", "pm25"]);

/**
 * Metrics whose monthly mean of daily means HJ 663's monthly minimum (≥ 27 days, 25 in February)
 * is taken to cover (air-aqi.md §8, medium confidence): those with a GB 3095 24-h mean. O3's daily
 * statistic there is the daily maximum 8-h mean, not a 24-h mean.
 */
const HJ663_MONTHLY = TABLE4_DAILY;

/** Short name of a metric inside a sentence: "PM2.5", "ammonia nitrogen", "pH". */
export function metricName(metric: MetricId): string {
  if (metric === "pm25") return "PM2.5";
  if (metric === "pm10") return "PM10";
  if (metric === "o3") return "O3";
  const en = METRICS[metric].en;
  return /^[A-Z][a-z]/.test(en) ? en.charAt(0).toLowerCase() + en.slice(1) : en;
}

/**
 * Where the 45-minute hourly minimum comes from for `metric`: GB 3095 Table 4 for the gases it
 * lists; for PM (whose hourly values HJ 633 indexes), water and NOI a local rule by analogy.
 *
 * @example
 * hourlyRuleSource("no2")  // "GB 3095 Table 4"
 * hourlyRuleSource("pm25") // "local rule (GB 3095 Table 4's 1-h minimum applied to PM2.5)"
 */
export function hourlyRuleSource(metric: MetricId): string {
  if (TABLE4_HOURLY.has(metric)) return "GB 3095 Table 4";
  return `local rule (GB 3095 Table 4's 1-h minimum applied to ${metricName(metric)})`;
}

/**
 * Where the daily minimum (≥ 20 valid hourly means) comes from for `metric`: GB 3095 Table 4's
 * 24-h row for SO2, NO2, CO, PM10, PM2.5; a local rule by analogy for O3 (whose daily statistic
 * in GB 3095 / HJ 663 §6.1.2 is the daily maximum 8-h mean, not a 24-h mean), water and NOI.
 *
 * @example
 * dailyRuleSource("pm25") // "GB 3095 Table 4"
 * dailyRuleSource("o3")   // "local rule (GB 3095 Table 4's 24-h minimum applied to O3, whose daily statistic is the daily maximum 8-h mean, HJ 663 §6.1.2)"
 */
export function dailyRuleSource(metric: MetricId): string {
  if (TABLE4_DAILY.has(metric)) return "GB 3095 Table 4";
  const applied = `local rule (GB 3095 Table 4's 24-h minimum applied to ${metricName(metric)}`;
  if (metric === "o3")
    return `${applied}, whose daily statistic is the daily maximum 8-h mean, HJ 663 §6.1.2)`;
  return `${applied})`;
}

/**
 * Where the monthly minimum (≥ 27 valid days, 25 in February) comes from for `metric`: HJ 663
 * (read with medium confidence, hence provisional) for the metrics with a GB 3095 24-h mean; a
 * local rule by analogy for O3, water and NOI.
 *
 * @example
 * monthlyRuleSource("no2") // "HJ 663 (provisional)"
 * monthlyRuleSource("do")  // "local rule (HJ 663's monthly minimum applied to dissolved oxygen)"
 */
export function monthlyRuleSource(metric: MetricId): string {
  if (HJ663_MONTHLY.has(metric)) return "HJ 663 (provisional)";
  return `local rule (HJ 663's monthly minimum applied to ${metricName(metric)})`;
}

/** Sources when the metric is not known: the listed metrics, and a local rule for the others. */
export const GENERIC_RULE_SOURCES = Object.freeze({
  hourly: "GB 3095 Table 4 (SO2, NO2, CO, O3; a local rule for other metrics)",
  daily: "GB 3095 Table 4 (SO2, NO2, CO, PM10, PM2.5; a local rule for other metrics)",
  monthly: "HJ 663, provisional (SO2, NO2, CO, PM10, PM2.5; a local rule for other metrics)",
});
