import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryBus } from "@qingshan/bus";
import { type AlertEvent, DAY_MS, HOUR_MS } from "@qingshan/domain";
import { BACKFILL_LIMITS } from "@qingshan/importer";
import { loadRulesFile } from "@qingshan/rules";
import { backfill, createSimulator, loadStationRegistry } from "@qingshan/simulator";
import { createDuckDbStore } from "@qingshan/store";
import { freePort, waitFor } from "@qingshan/testkit";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createEvaluator } from "../../services/evaluator/src/index.ts";
import { createIngest } from "../../services/ingest/src/index.ts";
import { createWriter } from "../../services/writer/src/index.ts";

// The station-silent scenario as `qingshan start` runs it (history, then the feed over the
// embedded broker into ingest, writer, DuckDB and the evaluator with the shipped
// dq-station-silent rule: 3 reporting intervals without data, on the wall clock), on one clock of
// the test's own that every component reads, stepped five minutes at a time with the silence
// sweep after each step. Before, the scenario silenced hours 24–32 of a replay: at ×3600 eight
// seconds of wall clock, and no alert ever came.

const root = join(import.meta.dirname, "../..");
const registry = loadStationRegistry(join(root, "seeds/liandu/stations.json"));
const rules = loadRulesFile(join(root, "config/rules.yaml"), { registry }).filter(
  (r) => r.id === "dq-station-silent",
);
const logger = pino({ level: "warn", name: "station-silent-e2e" });
const MIN = 60_000;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

describe("the station-silent scenario raises the silence alert on the wall clock", () => {
  it.each([1, 3600])(
    "at ×%i: ld-aq-04's alert about 3 h after the start, resolved when it reports again, none elsewhere",
    {
      timeout: 120_000,
    },
    async (acceleration) => {
      const started = Date.parse("2026-11-28T09:20:00+08:00");
      let clock = started;
      const now = () => clock;

      const dir = mkdtempSync(join(tmpdir(), "qingshan-station-silent-"));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const bus = createMemoryBus({ partitions: 4 });
      await bus.start();
      cleanups.push(() => bus.stop());
      const store = createDuckDbStore({ path: join(dir, "q.duckdb"), threads: 1 });
      await store.start();
      cleanups.push(() => store.stop());
      const writer = createWriter({ bus, store, logger });
      await writer.start();
      cleanups.push(() => writer.stop());
      const alerts: AlertEvent[] = [];
      await bus.subscribe<AlertEvent>("alerts", { group: "test" }, async (batch) => {
        alerts.push(...batch.map((d) => d.value));
      });
      const evaluator = createEvaluator(
        { sweepSchedule: "0 0 1 1 *" }, // never by itself: the test sweeps after each step
        { bus, store, registry, rules, logger, now },
      );
      await evaluator.start();
      cleanups.push(() => evaluator.stop());
      const ingest = createIngest(
        { mqtt: { embeddedPort: await freePort(), embeddedHost: "127.0.0.1" }, hj212: { tcpPort: 0 } },
        { bus, registry, clock: now, logger },
      );
      await ingest.start();
      cleanups.push(() => ingest.stop());

      const sim = createSimulator({
        stations: registry.stations,
        mqttUrl: ingest.brokerUrl as string,
        scenario: "station-silent",
        acceleration,
        schedule: "manual",
        dataGaps: "none",
        clock: now,
      });
      // What `qingshan start` does first: a day of history up to the feed's start.
      const to = Math.min(clock, sim.run.startAt);
      await backfill({
        stations: registry.stations,
        scenario: "station-silent",
        from: to - DAY_MS,
        to,
        startAt: sim.run.startAt,
        dataGaps: "none",
        publish: (topic, payload) =>
          ingest.pipeline.submitJson(topic, payload, {
            source: "import",
            origin: "simulator-backfill",
            limits: BACKFILL_LIMITS,
          }),
      });
      await sim.start();
      cleanups.push(() => sim.stop());

      const silence = (type: AlertEvent["type"]) =>
        alerts.filter((a) => a.ruleId === "dq-station-silent" && a.type === type);
      const settled = () =>
        waitFor(() => bus.depth().readings === 0 && bus.depth().alerts === 0, { timeoutMs: 10_000 });
      /** Moves the clock to `until` in 5-minute steps: the feed publishes what has ended, then the sweep. */
      const runUntil = async (until: number) => {
        while (clock < until) {
          clock = Math.min(clock + 5 * MIN, until);
          while ((await sim.tick()) > 0) {}
          await settled();
          await evaluator.sweep();
          await settled();
        }
      };

      await runUntil(started + 2 * HOUR_MS + 55 * MIN);
      expect(silence("raised")).toEqual([]);
      await runUntil(started + 3 * HOUR_MS + 5 * MIN);
      expect(silence("raised").map((a) => a.stationId)).toEqual(["ld-aq-04"]);
      const [raised] = silence("raised");
      // Raised at the first sweep 3 h after its last data arrived (the history, at the start).
      expect(Date.parse(raised?.at as string)).toBeGreaterThanOrEqual(started + 3 * HOUR_MS);
      expect(Date.parse(raised?.at as string)).toBeLessThanOrEqual(started + 3 * HOUR_MS + 5 * MIN);

      // It reports again once its eight hours are over (the first hour after them, published at its end).
      await runUntil(started + 11 * HOUR_MS);
      expect(silence("resolved").map((a) => [a.stationId, a.alertId])).toEqual([
        ["ld-aq-04", raised?.alertId],
      ]);
      expect(silence("raised")).toHaveLength(1);
      expect(sim.stats()).toMatchObject({ failed: 0 });
    },
  );
});
