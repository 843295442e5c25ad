import { type MetricId, metricInSentence } from "@qingshan/domain";
import { citeValidityRule } from "@qingshan/standards";

/**
 * Where the 45-minute hourly minimum comes from for `metric`: GB 3095 Table 4 for the gases it
 * lists; for PM (whose hourly values HJ 633 indexes), water and NOI a local rule by analogy.
 *
 * @example
 * hourlyRuleSource("no2")  // "GB 3095 Table 4"
 * hourlyRuleSource("pm25") // "local rule (GB 3095 Table 4's 1-h minimum applied to PM2.5)"
 */
export function hourlyRuleSource(metric: MetricId): string {
  return citeValidityRule("hourly-mean", metric, metricInSentence(metric), "GB 3095 Table 4");
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
  const cited = citeValidityRule("daily-mean", metric, metricInSentence(metric), "GB 3095 Table 4");
  return metric === "o3"
    ? `${cited.slice(0, -1)}, whose daily statistic is the daily maximum 8-h mean, HJ 663 §6.1.2)`
    : cited;
}

/**
 * Where the monthly minimum (≥ 27 valid days, 25 in February) comes from for `metric`: HJ 663
 * (read with medium confidence, hence provisional) for the metrics it is taken to list; a local
 * rule by analogy for water and NOI.
 *
 * @example
 * monthlyRuleSource("no2") // "HJ 663 (provisional)"
 * monthlyRuleSource("do")  // "local rule (HJ 663's monthly minimum applied to dissolved oxygen)"
 */
export function monthlyRuleSource(metric: MetricId): string {
  const label = metricInSentence(metric);
  const cited = citeValidityRule("monthly-mean", metric, label, "HJ 663");
  return cited === "HJ 663" ? "HJ 663 (provisional)" : cited;
}

/** Sources when the metric is not known: the listed metrics, and a local rule for the others. */
export const GENERIC_RULE_SOURCES = Object.freeze({
  hourly: "GB 3095 Table 4 (SO2, NO2, CO, O3; a local rule for other metrics)",
  daily: "GB 3095 Table 4 (SO2, NO2, CO, PM10, PM2.5; a local rule for other metrics)",
  monthly: "HJ 663, provisional (SO2, NO2, CO, O3, PM10, PM2.5; a local rule for other metrics)",
});
