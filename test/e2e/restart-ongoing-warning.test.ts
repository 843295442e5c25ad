/**
 * `qingshan start` stopped and started again while a heavy-pollution warning is on (embedded mode:
 * the same DuckDB file, a new in-process bus): what the duty officer gets. The evaluator rebuilds
 * from the store and the notifier its open alerts; the warning already notified is not announced
 * again, and every message that shows it at a level the AQI no longer meets says since when it is
 * on and what releases it. Writer, notifier and evaluator are imported from their sources, as
 * `qingshan start` composes them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryBus, type MemoryBus } from "@qingshan/bus";
import type { AlertEvent, Reading } from "@qingshan/domain";
import { createDuckDbStore, type DuckDbStore } from "@qingshan/store";
import { waitFor } from "@qingshan/testkit";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEvaluator, type Evaluator } from "../../services/evaluator/src/index.ts";
import { DEC_1, H, oneAirStation, shippedRules } from "../../services/evaluator/src/testdata/fixtures.ts";
import { createNotifier, type Notification, type Notifier } from "../../services/notifier/src/index.ts";
import { createWriter, type Writer } from "../../services/writer/src/index.ts";

const WARNING = "heavy-pollution-warning";
const MIN = 60_000;
/** One air station measuring PM2.5 only (the evaluator tests' fixture, as are H, DEC_1 and the rules). */
const registry = oneAirStation();
const logger = pino({ level: "silent" });

interface Pipeline {
  readonly bus: MemoryBus;
  readonly writer: Writer;
  readonly notifier: Notifier;
  readonly evaluator: Evaluator;
}

let dir: string;
let store: DuckDbStore;
let clock: number;
let running: Pipeline | undefined;
/** Alert events on the bus and notifications sent, across restarts. */
let events: AlertEvent[];
let sent: Notification[];

/** Store first, then bus, writer, notifier, evaluator: the order of `qingshan start`. */
async function start(): Promise<Pipeline> {
  const bus = createMemoryBus({ partitions: 8 });
  await bus.start();
  const writer = createWriter({ bus, store, logger });
  await writer.start();
  await bus.subscribe<AlertEvent>("alerts", { group: "listener" }, async (batch) => {
    events.push(...batch.map((d) => d.value));
  });
  const notifier = createNotifier(
    {
      publicUrl: "http://qingshan.test:8080",
      tickMs: 3_600_000, // ticks run by the test
      renotifyMinutes: 15,
      escalateAfterMinutes: 0,
      spoolFile: join(dir, "spool.jsonl"),
      schedule: { enabled: false },
      mqtt: { enabled: false },
      email: { enabled: false },
    },
    {
      bus,
      store,
      registry,
      logger,
      now: () => clock,
      channels: [
        {
          name: "duty-inbox",
          async send(n) {
            sent.push(n);
          },
        },
      ],
    },
  );
  await notifier.start();
  const evaluator = createEvaluator(
    { latenessMs: 2 * H, sweepSchedule: "0 0 1 1 *" },
    { bus, store, registry, rules: shippedRules, logger, now: () => clock },
  );
  await evaluator.start();
  running = { bus, writer, notifier, evaluator };
  return running;
}

async function stop(p: Pipeline): Promise<void> {
  await p.evaluator.stop();
  await p.notifier.stop();
  await p.writer.stop();
  await p.bus.stop();
  running = undefined;
}

const settled = (p: Pipeline) =>
  waitFor(() => p.bus.depth().readings === 0 && p.bus.depth().alerts === 0, { timeoutMs: 10_000 });

/** Hour `i` (labelled DEC_1 + (i + 1) h) of aq-1's PM2.5, with the clock a minute after it. */
async function hour(p: Pipeline, i: number, pm25: number): Promise<void> {
  const hourEnd = DEC_1 + (i + 1) * H;
  clock = hourEnd + MIN;
  const reading: Reading = {
    stationId: "aq-1",
    metric: "pm25",
    ts: hourEnd - H,
    periodMs: H,
    value: pm25,
    flag: "N",
    source: "mqtt-json",
    receivedAt: hourEnd,
  };
  await p.bus.publish("readings", [{ key: "aq-1", value: reading }]);
  await settled(p);
}

const warningEvents = () => events.filter((e) => e.ruleId === WARNING);
const warningMails = () => sent.filter((n) => n.event?.ruleId === WARNING);
const ONGOING_ZH = /仍在持续，自 12月1日 20:00（北京时间）起；.*连续36小时不满足黄色条件方解除/;
const ONGOING_EN =
  /ongoing since 1 Dec 20:00 Beijing time; .*released only after 36 h without the yellow condition/;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "qingshan-restart-warning-"));
  store = createDuckDbStore({ path: join(dir, "q.duckdb") });
  await store.start();
  events = [];
  sent = [];
  clock = DEC_1;
});

afterEach(async () => {
  if (running !== undefined) await stop(running);
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("restart while a heavy-pollution warning is on (evaluator and notifier, DuckDB, in-process bus)", () => {
  it("does not announce the warning again; its step-down at AQI far below orange says it is ongoing and what releases it, and the held warning gets no reminder", async () => {
    let p = await start();
    // PM2.5 300 µg/m³ for four days: AQI24 > 300 → yellow, orange, red (2024 preset); then clean
    // air (20 µg/m³) until red has stepped down to orange (12 h below red).
    let i = 0;
    for (; i < 96; i++) await hour(p, i, 300);
    for (; i < 140 && warningEvents().at(-1)?.level !== "orange"; i++) await hour(p, i, 20);
    const stepDown = warningEvents().at(-1) as AlertEvent;
    expect(warningEvents().map((e) => [e.type, e.level])).toEqual([
      ["raised", "yellow"],
      ["level_changed", "orange"],
      ["level_changed", "red"],
      ["level_changed", "orange"],
    ]);
    expect(stepDown.value).toBeLessThan(100);
    expect(stepDown.message.zh).toMatch(ONGOING_ZH);
    expect(stepDown.message.en).toMatch(ONGOING_EN);
    expect(warningMails()).toHaveLength(4);
    const mailsBefore = sent.length;
    const eventsBefore = events.length;

    await stop(p);
    clock += 10 * MIN;
    p = await start();
    await settled(p);
    await p.notifier.tick();
    // Nothing of the warning again: no raised, no level change, no notification (no reminder due yet).
    expect(events.slice(eventsBefore).filter((e) => e.ruleId === WARNING)).toEqual([]);
    expect(sent.slice(mailsBefore).filter((n) => n.event?.ruleId === WARNING)).toEqual([]);
    expect(p.notifier.openAlerts().filter((a) => a.ruleId === WARNING)).toMatchObject([
      { level: "orange", status: "open", alertId: stepDown.alertId },
    ]);

    // 16 minutes after the step-down: no reminder. The warning is only held at orange (its condition
    // ended; the step-down e-mail said so and what releases it), and held warnings are not chased.
    clock += 6 * MIN;
    await p.notifier.tick();
    expect(sent.slice(mailsBefore).filter((n) => n.event?.ruleId === WARNING)).toEqual([]);

    // The episode ends as it would have without the restart: orange → yellow, then released, once each.
    for (const end = i + 60; i < end && warningEvents().at(-1)?.type !== "resolved"; i++)
      await hour(p, i, 20);
    expect(warningEvents().map((e) => [e.type, e.level])).toEqual([
      ["raised", "yellow"],
      ["level_changed", "orange"],
      ["level_changed", "red"],
      ["level_changed", "orange"],
      ["level_changed", "yellow"],
      ["resolved", "yellow"],
    ]);
    expect(new Set(warningEvents().map((e) => e.alertId)).size).toBe(1);
    expect(warningMails().filter((n) => n.event?.type === "raised")).toHaveLength(1);
  }, 120_000);
});
