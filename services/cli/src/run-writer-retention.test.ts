/**
 * Retention in distributed mode: `qingshan run writer` (the process that owns the store's writes)
 * applies `store.rawReadingsDays` / `store.deadLetterDays` to InfluxDB at start with InfluxQL
 * DELETE, logging the counts; the `hourly` points stay. A real Kafka and a private InfluxDB 1.x
 * (test/infra), skipped with the reason when either is absent.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import { testKafkaBroker } from "@qingshan/bus/testing/kafka";
import { DAY_MS, type DeadLetter, HOUR_MS, type Reading } from "@qingshan/domain";
import { createInfluxStore } from "@qingshan/store";
import { requireService, waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { startOneService } from "./run.ts";
import { runServiceConfig } from "./testing/run-config.ts";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../../..");
const influxInfra = join(root, "test/infra/influxdb");
const cleanups = cleanupsAfterEach();

const influxGate = await requireService("influxdb", () =>
  run("sh", ["-c", "command -v influxd"]).then(() => undefined),
);
const kafka = influxGate.available ? await testKafkaBroker() : undefined;
const gate = kafka === undefined ? influxGate : await requireService("kafka", () => kafka.probe());
let influxVars: Record<string, string> = {};
afterAll(async () => {
  if (influxVars.QINGSHAN_TEST_INFLUX_PID !== undefined)
    await run("bash", [join(influxInfra, "stop.sh")], { env: { ...process.env, ...influxVars } });
  await kafka?.stop();
});

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

describe.skipIf(!gate.available)(
  `qingshan run writer: retention on InfluxDB${gate.note}`,
  { timeout: 180_000 },
  () => {
    it("deletes raw readings and dead letters past their days at start, keeps the hourly points", async () => {
      const { stdout } = await run("bash", [join(influxInfra, "start.sh")], { timeout: 90_000 });
      influxVars = Object.fromEntries(
        [...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]),
      );
      const url = influxVars.QINGSHAN_TEST_INFLUX_URL ?? "";
      const database = `retention_${process.pid}`;
      const now = Date.now();
      const old = Math.floor((now - 8 * DAY_MS) / HOUR_MS) * HOUR_MS;
      const recent = Math.floor((now - 3 * HOUR_MS) / HOUR_MS) * HOUR_MS;
      const seed = createInfluxStore({ url, database });
      await seed.start();
      await seed.writeReadings([reading(old, 41), reading(recent, 12)]);
      await seed.writeDeadLetters([letter("old", old), letter("recent", recent)]);

      const dir = tempDir(cleanups, "qingshan-run-retention-");
      const configFile = join(dir, "qingshan.yaml");
      writeFileSync(
        configFile,
        "store: {rawReadingsDays: 1, deadLetterDays: 1}\nevaluator: {qualityHours: 24}\n",
      );
      const lines: Array<{ msg: string; [field: string]: unknown }> = [];
      const sink = new Writable({
        write(chunk, _encoding, done) {
          for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
          done();
        },
      });
      const config = runServiceConfig({
        root,
        brokers: kafka?.brokers ?? "",
        topicPrefix: `run-retention-${process.pid}.`,
        dataDir: dir,
        env: {
          QINGSHAN_CONFIG: configFile,
          QINGSHAN_MAX_LATENESS_HOURS: "24",
          QINGSHAN_STORE: "influx",
          QINGSHAN_INFLUX_URL: url,
          QINGSHAN_INFLUX_DATABASE: database,
        },
      });
      const writer = await startOneService("writer", config, pino({ level: "info" }, sink), root);
      cleanups.push(() => writer.stop());
      const done = await waitFor(() => lines.find((l) => l.msg.startsWith("retention: deleted")), {
        what: "the writer's retention run at start",
        timeoutMs: 30_000,
      });
      expect(done).toMatchObject({ readingsDeleted: 1, deadLettersDeleted: 1 });

      try {
        const range = { stationId: "ld-aq-01", from: old - DAY_MS, to: now };
        expect((await seed.queryReadings(range)).map((r) => r.ts)).toEqual([recent]);
        expect((await seed.queryDeadLetters(range)).map((l) => l.id)).toEqual(["recent"]);
        const hours = await seed.queryHourly({ ...range, metric: "pm25", from: old, to: old + HOUR_MS });
        expect(hours).toHaveLength(1);
        expect(hours[0]).toMatchObject({ hourEnd: old + HOUR_MS, mean: 41, validCount: 1 });
      } finally {
        await seed.stop();
      }
    });
  },
);
