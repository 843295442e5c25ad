import type { AlertEvent } from "@qingshan/domain";
import { createRuleEngine, loadRulesFile } from "@qingshan/rules";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
// The rules package's own test view over plain hourly means (not exported: read-only fixture).
import { plainView } from "../../../packages/rules/src/testdata/plain-view.ts";
import {
  baseConfig,
  cleanupAfterEach,
  HOUR,
  localSmtp,
  publishAlerts,
  registry,
  startNotifier,
  startSmtp,
  startStoreAndBus,
  T0,
} from "./testdata/harness.ts";

const cleanup = cleanupAfterEach();

// The shipped hourly AQI rule (heavy > 200 重度污染, clear 180; severe > 300 严重污染, clear 280; HJ 633)
// through the real rules engine, the bus, the notifier and a real SMTP server.
const RULES = loadRulesFile(new URL("../../../config/rules.yaml", import.meta.url).pathname).filter(
  (r) => r.id === "aqi-hourly-heavy",
);
// Hourly PM2.5 (µg/m³) for a wanted hourly AQI, HJ 633-2026 Table 3: 148 → 198, 300 → 350.
const PM25: Record<number, number> = { 198: 148, 350: 300 };

describe("a level change's subject (QA: 'AQI 小时值 198 重度污染' — 198 is 中度污染 under HJ 633)", () => {
  it("names the level first and the value as the latest when the value is below that level, as reminders do", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const smtp = await startSmtp(cleanup);
    const config = baseConfig(dir, { email: { smtp: localSmtp(smtp.port), timeoutMs: 5_000 } });
    await startNotifier(cleanup, config, { bus, store, now: () => T0 });
    const station = registry.get("ld-aq-01");
    if (station === undefined) throw new Error("ld-aq-01");
    const engine = createRuleEngine(RULES, { registry, clock: () => T0 });
    const view = plainView(station, ["pm25"]);
    const events: AlertEvent[] = [];
    for (const [i, aqi] of [350, 198, 198].entries()) {
      view.set("pm25", T0 - 4 * HOUR + i * HOUR, PM25[aqi] as number);
      events.push(...engine.evaluateHour(view, T0 - 4 * HOUR + i * HOUR, "emit"));
    }
    // Severe at 350; 198 ≤ 280 for 2 h steps down to heavy (198 > 180 holds it), the value 198.
    expect(events.map((e) => [e.type, e.level, e.value, e.threshold])).toEqual([
      ["raised", "severe", 350, 300],
      ["level_changed", "heavy", 198, 200],
    ]);
    await publishAlerts(bus, ...events);
    await waitFor(() => smtp.mails.length === 2, { what: "the raised and level-change e-mails" });
    expect(smtp.mails[0]?.subject).toBe(
      "[青山 Qingshan] 【严重】莲都监测站（万象街道） AQI 小时值 350 严重污染 · 新告警 | " +
        "[Critical] Liandu station: AQI hourly 350 severely polluted · New alert",
    );
    expect(smtp.mails[1]?.subject).toBe(
      "[青山 Qingshan] 【警告】莲都监测站（万象街道） 重度污染，最新 AQI 小时值 198 · 告警级别变化 | " +
        "[Warning] Liandu station: heavily polluted, latest AQI hourly 198 · Alert level changed",
    );
  });
});
