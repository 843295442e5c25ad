import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HOUR_MS, type MetricId, type Reading } from "@qingshan/domain";
import { createRandom, generateObservations, loadStationRegistry, SCENARIOS } from "@qingshan/simulator";
import { createDuckDbStore, type DuckDbStore } from "@qingshan/store";
import { freePort, waitFor } from "@qingshan/testkit";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { newestStoredReadings, type RunningPipeline, startPipeline } from "./start.ts";

// After a restart the demo feed resumes after each station's newest reading of its own period: a
// sample sent by hand (instantaneous) in the hour in progress does not make it skip that hour.
const root = join(import.meta.dirname, "../../..");
const registry = loadStationRegistry(join(root, "seeds/liandu/stations.json"));
const AIR_METRICS: readonly MetricId[] = ["pm25", "pm10", "so2", "no2", "co", "o3"];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

function tempDataDir(): string {
  const dataDir = mkdtempSync(join(tmpdir(), "qingshan-cli-resume-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  return dataDir;
}

async function openStore(dataDir: string): Promise<DuckDbStore> {
  const store = createDuckDbStore({ path: join(dataDir, "qingshan.duckdb"), threads: 1 });
  await store.start();
  return store;
}

function reading(stationId: string, metric: MetricId, ts: number, periodMs: number, value = 40): Reading {
  return {
    stationId,
    metric,
    ts,
    periodMs,
    value,
    flag: "N",
    source: "mqtt-json",
    receivedAt: ts + periodMs,
  };
}

describe("newestStoredReadings", () => {
  it("takes the newest reading of the station's own period; an instantaneous or other-period reading covers none", async () => {
    const store = await openStore(tempDataDir());
    cleanups.push(() => store.stop());
    const at = (hm: string) => Date.parse(`2026-11-28T${hm}:00+08:00`);
    const hourly = (id: string, ts: number, metrics = AIR_METRICS) =>
      metrics.map((m) => reading(id, m, ts, HOUR_MS));
    const sample = (id: string, ts: number, metrics: readonly MetricId[]) =>
      metrics.map((m) => reading(id, m, ts, 0, 88));
    await store.writeReadings([
      // The feed's hours up to 22:00, then PM2.5 and O3 by hand at 23:41.
      ...hourly("ld-aq-01", at("21:00")),
      ...hourly("ld-aq-01", at("22:00")),
      ...sample("ld-aq-01", at("23:41"), ["pm25", "o3"]),
      // Every metric by hand: the hour 22:00 is hidden behind them in `latest`.
      ...hourly("ld-aq-02", at("22:00")),
      ...sample("ld-aq-02", at("23:41"), AIR_METRICS),
      // A 24-h mean (another period) newer than the hours.
      ...hourly("ld-aq-03", at("20:00")),
      reading("ld-aq-03", "pm25", at("22:00"), 24 * HOUR_MS),
      // Only samples by hand: nothing of the feed's kind.
      ...sample("ld-aq-04", at("23:41"), AIR_METRICS),
      // 5-minute station: its 5-minute periods count, an hourly mean does not.
      reading("ld-noi-01", "noi", at("23:35"), 300_000),
      reading("ld-noi-01", "noi", at("23:00"), HOUR_MS),
      reading("ld-noi-01", "temp", at("23:44"), 0),
      // Nothing but periods: the newest of them.
      ...hourly("ld-aq-05", at("23:00")),
    ]);
    const newest = await newestStoredReadings(store, registry.stations);
    expect(Object.fromEntries([...newest].map(([id, ts]) => [id, new Date(ts).toISOString()]))).toEqual({
      "ld-aq-01": new Date(at("22:00")).toISOString(),
      "ld-aq-02": new Date(at("22:00")).toISOString(),
      "ld-aq-03": new Date(at("20:00")).toISOString(),
      "ld-noi-01": new Date(at("23:35")).toISOString(),
      "ld-aq-05": new Date(at("23:00")).toISOString(),
    });
  });
});

describe("qingshan start: a restart after readings sent by hand", () => {
  it("the feed publishes the hour in which a station got an instantaneous reading by hand, at the station that got it", {
    timeout: 180_000,
  }, async () => {
    const dataDir = tempDataDir();
    // Real time on the test's clock, in the recent past so that ingest accepts the readings:
    // start at hh:05, feed until hh+1:00:30 (the hour hh:00 published), stop; PM2.5 and O3 by
    // hand at one station and every metric at another at hh+1:41; restart at hh+1:50, feed until
    // hh+2:00:30 (the hour hh+1:00 published).
    const hh = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 4 * HOUR_MS;
    const [startedAt, firstStop, byHand, restartedAt, lastNow] = [5, 60.5, 101, 110, 120.5].map(
      (min) => hh + min * 60_000,
    ) as [number, number, number, number, number];
    const rng = createRandom(1);
    // Stations whose hours hh:00 and hh+1:00 the demo data does not lose (realistic gaps are seeded).
    const [partly, wholly, untouched] = registry.stations
      .filter((s) => s.kind === "air")
      .filter((s) =>
        [hh, hh + HOUR_MS].every(
          (t) =>
            generateObservations(s, t, { scenario: SCENARIOS["clean-week"], startAt: t }, rng).length > 0,
        ),
      )
      .map((s) => s.id) as [string, string, string];
    let now = startedAt;
    const start = async (): Promise<RunningPipeline> => {
      const config = loadConfig({
        root,
        env: {
          QINGSHAN_DATA_DIR: dataDir,
          QINGSHAN_MQTT_PORT: String(await freePort()),
          QINGSHAN_HTTP_PORT: String(await freePort()),
          QINGSHAN_HTTP_HOST: "127.0.0.1",
          QINGSHAN_HJ212_PORT: "0",
          QINGSHAN_BACKFILL_DAYS: "0.25",
        },
      });
      const pipeline = await startPipeline(config, pino({ level: "warn" }), root, { demoClock: () => now });
      cleanups.push(() => pipeline.stop());
      return pipeline;
    };
    /** ts of the feed's (not history's) readings of `stationId` at `hourTs`, as stored. */
    const fed = async (apiUrl: string, stationId: string, hourTs: number): Promise<string[]> => {
      const q = `station=${stationId}&from=${new Date(hourTs).toISOString()}&to=${new Date(hourTs + 1).toISOString()}`;
      const body = (await (await fetch(`${apiUrl}/api/v1/readings?${q}`)).json()) as {
        readings: Array<{ metric: string; source: string; periodMs: number }>;
      };
      return body.readings
        .filter((r) => r.source !== "import" && r.periodMs === HOUR_MS)
        .map((r) => r.metric);
    };
    const hourFed = (apiUrl: string, stations: readonly string[], hourTs: number) =>
      waitFor(
        async () => {
          for (const id of stations) if ((await fed(apiUrl, id, hourTs)).length === 0) return false;
          return true;
        },
        { timeoutMs: 60_000, intervalMs: 250, what: `the feed's hour ${new Date(hourTs).toISOString()}` },
      );

    const first = await start();
    now = firstStop;
    await hourFed(first.apiUrl, [partly, wholly, untouched], hh);
    await first.stop();

    const store = await openStore(dataDir);
    const samples = [
      reading(partly, "pm25", byHand, 0, 88),
      reading(partly, "o3", byHand, 0, 96),
      ...AIR_METRICS.map((m) => reading(wholly, m, byHand, 0, 77)),
    ];
    await store.writeReadings(samples);
    await store.stop();

    now = restartedAt;
    const second = await start();
    now = lastNow;
    // The station without a sample shows the feed got past the hour; before the fix the other two
    // resumed after their samples (hh+1:41 taken as covering the hour hh+1:00) and skipped it. All
    // three are waited for: the feed's messages of one hour can reach the store in different writes.
    await hourFed(second.apiUrl, [untouched, partly, wholly], hh + HOUR_MS);
    expect((await fed(second.apiUrl, partly, hh + HOUR_MS)).length).toBeGreaterThan(0);
    expect((await fed(second.apiUrl, wholly, hh + HOUR_MS)).length).toBeGreaterThan(0);
    await second.stop();

    // The samples are still there, as sent.
    const after = await openStore(dataDir);
    cleanups.push(() => after.stop());
    for (const id of [partly, wholly]) {
      const stored = await after.queryReadings({ stationId: id, from: byHand, to: byHand + 1 });
      expect(stored.map((r) => [r.metric, r.value, r.periodMs])).toEqual(
        samples
          .filter((s) => s.stationId === id)
          .map((s) => [s.metric, s.value, 0])
          .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
    }
  });
});
