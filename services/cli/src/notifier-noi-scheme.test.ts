/**
 * noi.scheme reaches the notifier (startNotifierService), as it reaches the evaluator and the API:
 * a reminder of an NOI alert grades the latest values by the configured table (negative-oxygen-ions.md
 * §2, §5.2). Real DuckDB store, in-process bus, real SMTP server, the notifier's own timer.
 */
import { createMemoryBus } from "@qingshan/bus";
import { type AlertEvent, HOUR_MS, type Reading } from "@qingshan/domain";
import { loadStationRegistry } from "@qingshan/simulator";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { startTestSmtp } from "@qingshan/testkit/smtp";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { createStoreFromConfig, type ServiceContext, startNotifierService } from "./services.ts";
import { repoRoot as root } from "./testing/cli-process.ts";
import { writeShippedConfig } from "./testing/shipped-config.ts";

const cleanups = cleanupsAfterEach();

// 1500 ions/cm³ is this table's II (candidate A's I), 800 its III (candidate A's II).
const BUREAU = {
  id: "lishui-fresh-air",
  source: "丽水市清新空气分级（局定）",
  provisional: false,
  grades: [
    { grade: "I", min: 2100, zh: "非常清新", en: "very fresh" },
    { grade: "II", min: 900, zh: "较清新", en: "rather fresh" },
    { grade: "III", min: 0, zh: "一般", en: "ordinary" },
  ],
};

describe("noi.scheme reaches the notifier", () => {
  it("a reminder of an NOI alert names the configured bureau table's grades", async () => {
    const smtp = await startTestSmtp();
    cleanups.push(() => smtp.stop());
    const { file, dataDir } = writeShippedConfig(cleanups, {
      noi: { scheme: BUREAU },
      notifier: {
        // A reminder about a second after the raise, checked every 100 ms by the notifier's timer.
        renotifyMinutes: 0.02,
        escalateAfterMinutes: 0,
        tickMs: 100,
        email: { smtp: { host: "127.0.0.1", port: smtp.port, secure: false }, to: ["archive@test.example"] },
        schedule: { enabled: false },
      },
    });
    const config = loadConfig({ root, file, env: { QINGSHAN_DATA_DIR: dataDir, QINGSHAN_SIMULATOR: "off" } });
    const ctx: ServiceContext = {
      config,
      registry: loadStationRegistry(config.stations),
      logger: pino({ level: "silent" }),
      bus: createMemoryBus(),
    };
    await ctx.bus.start();
    cleanups.push(() => ctx.bus.stop());
    const store = createStoreFromConfig(config);
    await store.start();
    cleanups.push(() => store.stop());
    // Hourly means 1000, 1500, 800 over the last three hours at the ion station ld-noi-01.
    const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    const readings: Reading[] = [1000, 1500, 800].map((value, i) => ({
      stationId: "ld-noi-01",
      metric: "noi",
      ts: hour - (3 - i) * HOUR_MS,
      periodMs: HOUR_MS,
      value,
      flag: "N",
      source: "api",
      receivedAt: hour - (2 - i) * HOUR_MS,
    }));
    await store.writeReadings(readings);
    const notifier = await startNotifierService(ctx, store, {
      mqttUrl: "",
      publicUrl: "http://localhost:8080",
      root,
    });
    cleanups.push(() => notifier.stop());

    // The noi-grade alert as the evaluator raises it by this table, made a warning on the duty route.
    const raised: AlertEvent = {
      id: "n1:raised",
      alertId: "n1",
      type: "raised",
      at: new Date().toISOString(),
      ruleId: "noi-grade",
      stationId: "ld-noi-01",
      severity: "warning",
      tier: 0,
      routes: ["duty"],
      level: "II",
      levelName: { zh: "II级", en: "grade II" },
      metric: "noi",
      value: 1000,
      window: "1-h mean",
      startedAt: new Date(hour - 3 * HOUR_MS).toISOString(),
      conditionHolds: true,
      message: {
        zh: "负氧离子 1000 个/cm³，II级（较清新）",
        en: "negative oxygen ions 1000 ions/cm³, grade II (rather fresh)",
      },
    };
    await ctx.bus.publish("alerts", [{ key: raised.stationId, value: raised }]);
    const reminder = await waitFor(
      () => smtp.mails.find((m) => m.headers.get("x-qingshan-notification") === "n1:renotified:1"),
      { timeoutMs: 15_000, what: "the reminder e-mail" },
    );
    expect(reminder.text).toMatch(/最新 Latest: 800 ions\/cm³ III级 grade III 小时值 hourly（/);
    expect(reminder.text).toMatch(
      /告警以来最高 highest since the alert began: 1500 ions\/cm³ II级 grade II（/,
    );
  });
});
