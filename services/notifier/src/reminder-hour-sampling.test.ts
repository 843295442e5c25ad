import { type AlertEvent, createStationRegistry, type Reading } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import { cleanupAfterEach, HOUR, MIN, publishAlerts, raised, startNotifier } from "./testdata/harness.ts";
import { startMailRig } from "./testdata/mail-rig.ts";

const cleanup = cleanupAfterEach();

// A station reporting every 5 minutes: an instantaneous reading is credited 5 min of sampling, so
// an hour of them needs 9 (GB 3095 Table 4: ≥ 45 min), as the API and the evaluator's windows count.
const registry = createStationRegistry([
  {
    id: "ld-aq-05",
    name: { zh: "五分钟站", en: "Five-minute station" },
    kind: "air",
    location: { lat: 28.45, lon: 119.92 },
    township: "万象街道",
    reportingIntervalMs: 5 * MIN,
  },
]);

// The hour 10:00–11:00 (labelled 11:00) is the latest stored; the alert began at 10:00.
const HOUR_START = Date.parse("2026-11-28T10:00:00+08:00");

/** An open 1-h SO2 alert at the 5-min station, raised at 10:00 with 650 µg/m³. */
function so2Alert(): AlertEvent {
  return {
    ...raised("so2-1h", HOUR_START + 5_000),
    ruleId: "gb3095-1h-so2",
    stationId: "ld-aq-05",
    metric: "so2",
    value: 650,
    threshold: 500,
    window: "1-h mean",
    startedAt: "2026-11-28T10:00:00+08:00",
    dataTime: "2026-11-28T10:00:00+08:00",
    conditionHolds: true,
    message: {
      zh: "五分钟站：SO2 小时均值 650 > 500 µg/m³",
      en: "Five-minute station: SO2 1-h mean 650 > 500 µg/m³",
    },
  };
}

/** SO2 readings of the hour from 10:00, one every 5 min from `offsetMin`, instantaneous unless `periodMs`. */
function readings(values: readonly number[], periodMs = 0, offsetMin = 0): Reading[] {
  return values.map((value, i) => ({
    stationId: "ld-aq-05",
    metric: "so2" as const,
    ts: HOUR_START + (offsetMin + i * 5) * MIN,
    periodMs,
    value,
    flag: "N" as const,
    source: "api" as const,
    receivedAt: HOUR_START + (offsetMin + i * 5) * MIN,
  }));
}

/** Raises the alert, lets the 15-min reminder go at 11:20, and returns its e-mail and stored event. */
async function remind(stored: Reading[]): Promise<{ text: string; subject: string; value?: number }> {
  const { store, bus, smtp, mailConfig } = await startMailRig(cleanup);
  await store.writeReadings(stored);
  let t = HOUR_START + HOUR + 5 * MIN;
  const config = mailConfig({ renotifyMinutes: 15, escalateAfterMinutes: 0 }, { timeoutMs: 5_000 });
  const notifier = await startNotifier(cleanup, config, { bus, store, registry, now: () => t });
  await publishAlerts(bus, so2Alert());
  await waitFor(() => smtp.mails.length === 1, { what: "the raised e-mail" });
  t += 15 * MIN;
  await notifier.tick();
  const mail = await waitFor(() => smtp.mails[1], { what: "the reminder" });
  const events = await store.queryAlertEvents({ from: HOUR_START - HOUR });
  const reminder = events.find((e) => e.type === "renotified");
  return { text: mail.text ?? "", subject: mail.subject ?? "", value: reminder?.value };
}

describe("a reminder's current 1-h value counts an hour's sampling as the API does", () => {
  it("one instantaneous reading at a 5-min station (5 min sampled) is no valid hour: no latest value, the alerted one stays", async () => {
    const r = await remind(readings([900]));
    expect(r.text).not.toContain("最新 Latest");
    expect(r.text).not.toContain("900");
    expect(r.text).toContain("实测 Measured: 650");
    expect(r.value).toBe(650);
  });

  it("nine instantaneous readings at a 5-min station (45 min) make a valid hour: its mean is the latest value", async () => {
    const r = await remind(readings([680, 690, 700, 710, 720, 700, 700, 700, 700]));
    expect(r.text).toContain("最新 Latest: 700 µg/m³");
    expect(r.text).toContain("告警时实测 Measured when alerted: 650");
    expect(r.value).toBeCloseTo(700, 6);
  });

  it("a PT15M reading and nine instantaneous ones (15 + 45 min, recounted from the raw readings) make a valid hour", async () => {
    const r = await remind([...readings([700], 15 * MIN), ...readings(Array(9).fill(700), 0, 15)]);
    expect(r.text).toContain("最新 Latest: 700 µg/m³");
    expect(r.value).toBeCloseTo(700, 6);
  });
});
