/**
 * Retention in `qingshan start` on a real DuckDB data directory: with `store.rawReadingsDays: 1`
 * and `store.deadLetterDays: 1` the raw readings and dead letters of 8 days ago are deleted at
 * start (logged with the counts) and no longer served by the API, while the hourly aggregates and
 * the recent readings stay; `null` keeps them forever; a number of days shorter than what ingest's
 * lateness needs is refused before anything opens. Also when the daily run falls (03:00 Beijing).
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DAY_MS, type DeadLetter, HOUR_MS, type Reading } from "@qingshan/domain";
import { createDuckDbStore } from "@qingshan/store";
import { freePort, waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";
import { checkRetentionSettings, nextRetentionRun } from "./services.ts";
import { startPipeline } from "./start.ts";

const root = join(import.meta.dirname, "../../..");
const cleanups = cleanupsAfterEach();

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

function configFile(dir: string, yaml: string): string {
  const file = join(dir, "qingshan.yaml");
  writeFileSync(file, yaml);
  return file;
}

const reading = (ts: number, value: number): Reading => ({
  stationId: "ld-aq-01",
  metric: "pm25",
  ts,
  periodMs: HOUR_MS,
  value,
  flag: "N",
  source: "mqtt-json",
  receivedAt: ts + 60_000,
});

const letter = (id: string, receivedAt: number): DeadLetter => ({
  id,
  receivedAt,
  source: "mqtt",
  origin: "stations/ld-aq-01/air",
  stationId: "ld-aq-01",
  code: "payload.malformed",
  path: "",
  message: "not JSON",
  payload: "{oops",
});

describe("qingshan start: retention", { timeout: 90_000 }, () => {
  it("deletes raw readings and dead letters past their days at start, keeps the hourly aggregates", async () => {
    const dir = tempDir(cleanups, "qingshan-retention-");
    const dataDir = join(dir, "data");
    const now = Date.now();
    const old = Math.floor((now - 8 * DAY_MS) / HOUR_MS) * HOUR_MS;
    const recent = Math.floor((now - 3 * HOUR_MS) / HOUR_MS) * HOUR_MS;
    // A previous run's data: a reading and a dead letter of 8 days ago, a recent one of each.
    const seed = createDuckDbStore({ path: join(dataDir, "qingshan.duckdb"), threads: 1 });
    await seed.start();
    await seed.writeReadings([reading(old, 41), reading(recent, 12)]);
    await seed.writeDeadLetters([letter("old", old), letter("recent", recent)]);
    await seed.stop();

    const lines: LogLine[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const config = loadConfig({
      root,
      env: {
        QINGSHAN_CONFIG: configFile(
          dir,
          "store: {rawReadingsDays: 1, deadLetterDays: 1}\nevaluator: {qualityHours: 24}\n",
        ),
        QINGSHAN_MAX_LATENESS_HOURS: "24",
        QINGSHAN_DATA_DIR: dataDir,
        QINGSHAN_SIMULATOR: "off",
        QINGSHAN_MQTT_PORT: String(await freePort()),
        QINGSHAN_HTTP_PORT: String(await freePort()),
        QINGSHAN_HTTP_HOST: "127.0.0.1",
        QINGSHAN_HJ212_PORT: "0",
      },
    });
    const pipeline = await startPipeline(config, logger, root);
    let stopped = false;
    cleanups.push(async () => {
      if (!stopped) await pipeline.stop();
    });
    const done = await waitFor(() => lines.find((l) => l.msg.startsWith("retention: deleted")), {
      what: "the retention run at start",
    });
    expect(done).toMatchObject({ readingsDeleted: 1, deadLettersDeleted: 1, rawReadingsDays: 1 });
    expect(done.msg).toContain("deleted 1 raw reading older than");
    expect(done.msg).toContain("and 1 dead letter older than");

    const served = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${pipeline.apiUrl}${path}`);
      expect(response.status).toBe(200);
      return (await response.json()) as T;
    };
    const since = new Date(old - DAY_MS).toISOString();
    const { readings } = await served<{ readings: Array<{ ts: string | number }> }>(
      `/api/v1/readings?station=ld-aq-01&metric=pm25&from=${since}`,
    );
    expect(readings.map((r) => new Date(r.ts).getTime())).toEqual([recent]);
    const { deadLetters } = await served<{ deadLetters: Array<{ id: string }> }>(
      `/api/v1/deadletters?station=ld-aq-01&from=${since}`,
    );
    expect(deadLetters.map((l) => l.id)).toEqual(["recent"]);

    stopped = true;
    await pipeline.stop();
    // The hourly aggregate of the deleted reading's hour is kept (statistics are computed from it).
    const check = createDuckDbStore({ path: join(dataDir, "qingshan.duckdb"), threads: 1 });
    await check.start();
    try {
      const hours = await check.queryHourly({
        stationId: "ld-aq-01",
        metric: "pm25",
        from: old,
        to: old + HOUR_MS,
      });
      expect(hours).toHaveLength(1);
      expect(hours[0]).toMatchObject({ hourEnd: old + HOUR_MS, mean: 41, validCount: 1 });
    } finally {
      await check.stop();
    }
  });

  it("accepts null (keep forever) for both, as the store README offers", () => {
    const dir = tempDir(cleanups, "qingshan-retention-");
    const config = loadConfig({
      root,
      env: { QINGSHAN_CONFIG: configFile(dir, "store: {rawReadingsDays: null, deadLetterDays: null}\n") },
    });
    expect(config.store).toMatchObject({ rawReadingsDays: null, deadLetterDays: null });
    expect(() => checkRetentionSettings(config)).not.toThrow();
  });

  it("refuses, before anything opens, raw readings kept shorter than ingest's lateness", async () => {
    const dir = tempDir(cleanups, "qingshan-retention-");
    const dataDir = join(dir, "data");
    const config = loadConfig({
      root,
      env: {
        QINGSHAN_CONFIG: configFile(dir, "store: {rawReadingsDays: 1}\n"),
        QINGSHAN_DATA_DIR: dataDir,
        QINGSHAN_SIMULATOR: "off",
        QINGSHAN_MQTT_PORT: String(await freePort()),
        QINGSHAN_HTTP_PORT: String(await freePort()),
        QINGSHAN_HTTP_HOST: "127.0.0.1",
        QINGSHAN_HJ212_PORT: "0",
      },
    });
    const error = await startPipeline(config, pino({ level: "silent" }), root).then(
      async (started) => {
        await started.stop();
        return started;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      "store.rawReadingsDays: 1 (24 h) is shorter than Qingshan still needs raw readings: " +
        "ingest.maxLatenessHours 168 h (a reading resent that late would be counted again in its hour); " +
        "evaluator.qualityHours 48 h (the evaluator's rebuild reads raw readings over it, hourly aggregates only before); " +
        "set store.rawReadingsDays to at least 7, or lower ingest.maxLatenessHours and evaluator.qualityHours",
    );
    expect(existsSync(dataDir)).toBe(false);
  });

  it("runs daily at 03:00 Beijing time (19:00 UTC the day before)", () => {
    expect(nextRetentionRun(Date.parse("2026-12-01T13:51:00Z"))).toBe(Date.parse("2026-12-01T19:00:00Z"));
    expect(nextRetentionRun(Date.parse("2026-12-01T19:00:00Z"))).toBe(Date.parse("2026-12-02T19:00:00Z"));
    expect(nextRetentionRun(Date.parse("2026-12-01T18:59:59Z"))).toBe(Date.parse("2026-12-01T19:00:00Z"));
  });
});
