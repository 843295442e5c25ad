import { type AlertEvent, alertConditionOf, foldAlertEvents, toBeijingIsoMs } from "@qingshan/domain";
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
  MIN,
  publishAlerts,
  registry,
  startNotifier,
  startSmtp,
  startStoreAndBus,
  T0,
} from "./testdata/harness.ts";

const cleanup = cleanupAfterEach();

// The shipped hourly AQI rule (levels heavy > 200 重度污染, severe > 300 严重污染; HJ 633) through
// the real rules engine, its events through the bus, the notifier, DuckDB and a real SMTP server.
const RULES = loadRulesFile(new URL("../../../config/rules.yaml", import.meta.url).pathname).filter(
  (r) => r.id === "aqi-hourly-heavy",
);
// Hourly PM2.5 (µg/m³) for a wanted hourly AQI, HJ 633-2026 Table 3: 200 → 250, 300 → 350.
const PM25: Record<number, number> = { 250: 200, 350: 300 };

describe("an acknowledged alert whose level gets better (QA: reopened, reminded, escalated to the chief)", () => {
  it("stays acknowledged through a step-down severe → heavy: no reminder, no escalation; a worse level reopens it", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const smtp = await startSmtp(cleanup);
    let t = T0;
    const config = baseConfig(dir, {
      renotifyMinutes: 15,
      escalateAfterMinutes: 4,
      email: { smtp: localSmtp(smtp.port), timeoutMs: 5_000 },
    });
    const notifier = await startNotifier(cleanup, config, { bus, store, now: () => t });
    const station = registry.get("ld-aq-01");
    if (station === undefined) throw new Error("ld-aq-01");
    const engine = createRuleEngine(RULES, { registry, clock: () => t });
    const view = plainView(station, ["pm25"]);
    const firstHour = T0 - 6 * HOUR;
    const hour = async (i: number, aqi: number): Promise<AlertEvent[]> => {
      view.set("pm25", firstHour + i * HOUR, PM25[aqi] as number);
      const out = engine.evaluateHour(view, firstHour + i * HOUR, "emit");
      await store.writeAlertEvents(out);
      await publishAlerts(bus, ...out);
      await waitFor(() => bus.depth().alerts === 0, { what: "the events handled" });
      return out;
    };
    const minutes = async (n: number) => {
      for (let i = 0; i < n; i++) {
        t += MIN;
        await notifier.tick();
      }
      await waitFor(() => bus.depth().alerts === 0, { what: "the emitted events handled" });
    };
    const subjects = () => smtp.mails.map((m) => m.subject ?? "");

    const [raised] = await hour(1, 350);
    expect(raised).toMatchObject({ type: "raised", level: "severe", value: 350 });
    await waitFor(() => smtp.mails.length === 1, { what: "the raised e-mail" });

    // officer-a acknowledges in the duty console (the API writes and publishes the event).
    t += MIN;
    const ack: AlertEvent = {
      ...alertConditionOf(raised as AlertEvent),
      id: `${raised?.alertId}:acknowledged:${t}`,
      alertId: raised?.alertId as string,
      type: "acknowledged",
      at: toBeijingIsoMs(t),
      ruleId: "aqi-hourly-heavy",
      stationId: "ld-aq-01",
      severity: "critical",
      actor: "officer-a",
      message: (raised as AlertEvent).message,
    };
    await store.writeAlertEvents([ack]);
    await publishAlerts(bus, ack);
    await waitFor(() => notifier.openAlerts()[0]?.status === "acknowledged", { what: "acknowledged" });

    // AQI 250 for 2 h (≤ 280): severe → heavy, a better level.
    t += 58 * MIN;
    await hour(2, 250);
    t += 60 * MIN;
    const [down] = await hour(3, 250);
    expect(down).toMatchObject({ type: "level_changed", level: "heavy", levelChange: "better" });
    await waitFor(() => smtp.mails.length === 2, { what: "the level-change e-mail" });
    expect(subjects()[1]).toContain("告警级别变化");

    await minutes(40);
    // Still acknowledged by officer-a, for the notifier and for the duty console (the API folds the store).
    expect(notifier.openAlerts()[0]).toMatchObject({ status: "acknowledged", acknowledgedBy: "officer-a" });
    const stored = await store.queryAlertEvents({ alertId: raised?.alertId as string });
    expect(foldAlertEvents(stored)[0]).toMatchObject({ status: "acknowledged", acknowledgedBy: "officer-a" });
    expect(stored.map((e) => e.type)).toEqual(["raised", "acknowledged", "level_changed"]);
    expect(subjects()).toHaveLength(2);

    // AQI 350 again: a worse level reopens it, and nobody has acknowledged it since that change.
    t += 20 * MIN;
    const [up] = await hour(4, 350);
    expect(up).toMatchObject({ type: "level_changed", level: "severe", levelChange: "worse" });
    expect(notifier.openAlerts()[0]?.status).toBe("open");
    await waitFor(() => smtp.mails.length === 3, { what: "the level-change e-mail" });
    await minutes(4);
    await waitFor(() => smtp.mails.length === 4, { what: "the escalation" });
    expect(subjects()[3]).toContain("告警升级 → 第1级");
    expect(smtp.mails[3]?.text ?? "").toContain("4 分钟无人确认");
  });
});
