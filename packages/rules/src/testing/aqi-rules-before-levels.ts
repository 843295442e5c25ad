/**
 * Test data for upgrades: the two hourly AQI rules as shipped before the one rule with levels
 * (aqi-hourly-heavy > 200 and aqi-hourly-severe > 300, no levels; HJ 633 categories 201–300
 * 重度污染 and > 300 严重污染).
 */
import { parseRules } from "../load.ts";

export const AQI_RULES_BEFORE_LEVELS = parseRules(
  `rules:
  - id: aqi-hourly-heavy
    description: { zh: 小时AQI超过200（重度污染）, en: Hourly AQI above 200 (heavily polluted) }
    appliesTo: { kind: air }
    subject: { index: aqi }
    window: 1h
    comparison: ">"
    threshold: 200
    for: 1h
    clear: { threshold: 180, for: 2h }
    damping: 3h
    severity: warning
    standard: "AQI category 201–300 重度污染"
  - id: aqi-hourly-severe
    description: { zh: 小时AQI超过300（严重污染）, en: Hourly AQI above 300 (severely polluted) }
    appliesTo: { kind: air }
    subject: { index: aqi }
    window: 1h
    comparison: ">"
    threshold: 300
    for: 1h
    clear: { threshold: 280, for: 2h }
    damping: 3h
    severity: critical
    standard: "AQI category > 300 严重污染"
`,
  "old-rules.yaml",
);
