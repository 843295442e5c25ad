/**
 * A catch-up rebuild after a takeover timeout holds the member's batches at most `takeoverWaitMs`,
 * also when several partitions catch up at once (memory bus with two partitions, real writer,
 * DuckDB whose writes of the later hours are held back until the test releases them).
 */
import { createMemoryBus, type MemoryBus } from "@qingshan/bus";
import { createStationRegistry, type Reading } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { createWriter, type Writer } from "@qingshan/writer";
import { pino } from "pino";
import { expect, it } from "vitest";
import { createEvaluator, type Evaluator } from "./evaluator.ts";
import { airStation, DEC_1, H, hourlyPm25, shippedRules } from "./testdata/fixtures.ts";
import { perTestResources } from "./testdata/per-test-resources.ts";

const TAKEOVER_WAIT_MS = 2_000;

const resources = perTestResources();

/** Resolvable gate. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

it("several partitions catching up at once hold batches at most takeoverWaitMs, not that per partition", async () => {
  const bus: MemoryBus = createMemoryBus({ partitions: 2 });
  await bus.start();
  resources.defer(() => bus.stop());
  // One station on each partition.
  const ids = ["aq-1"];
  for (let i = 2; ids.length < 2; i++)
    if (bus.partitionFor("readings", `aq-${i}`) !== bus.partitionFor("readings", "aq-1")) ids.push(`aq-${i}`);
  const registry = createStationRegistry(ids.map((id) => airStation(id)));
  const hours = (from: number, to: number) =>
    ids.flatMap((id) =>
      hourlyPm25(from, to, (i) => 40 + i).map((m) => ({
        key: id,
        value: { ...m.value, stationId: id } satisfies Reading,
      })),
    );

  const store = await resources.duckDbStore("qingshan-evaluator-catchup-wait-");
  // Hours 0–4 reach the store once `old` opens, later hours once `later` opens.
  const old = gate();
  const later = gate();
  const writer: Writer = createWriter({
    bus,
    store: {
      writeReadings: async (readings) => {
        await old.opened;
        if (readings.some((r) => r.ts >= DEC_1 + 5 * H)) await later.opened;
        await store.writeReadings(readings);
      },
      writeDeadLetters: (letters) => store.writeDeadLetters(letters),
    },
    logger: pino({ level: "silent" }),
    readingsGroup: "writer-w",
  });
  await writer.start();
  resources.defer(async () => {
    old.open();
    later.open();
    await writer.stop();
  });
  const evaluator = (takeoverWaitMs: number): Evaluator => {
    const e = createEvaluator(
      {
        latenessMs: 72 * H,
        sweepSchedule: "0 0 1 1 *",
        group: "evaluator-w",
        writerGroup: "writer-w",
        takeoverWaitMs,
      },
      {
        bus,
        store,
        registry,
        rules: shippedRules,
        logger: pino({ level: "silent" }),
        now: () => DEC_1 + 10 * H,
      },
    );
    resources.defer(() => e.stop());
    return e;
  };
  const committed = async (group: string, offset: string) => {
    const at = await bus.committedOffsets(group, "readings");
    return at.get(0) === offset && at.get(1) === offset;
  };

  // A processes hours 0–4 of both stations; the writer stores none of them yet. The durable writer
  // holds the publishes: not awaited (they reject when the bus stops before the writer stored them).
  const a = evaluator(60_000);
  await a.start();
  bus.publish("readings", hours(0, 5)).catch(() => {});
  await waitFor(() => committed("evaluator-w", "5"), { what: "A processed hours 0–4" });
  await a.stop();

  // B takes both partitions over, gives up waiting, and processes hours 5–7.
  const b = evaluator(TAKEOVER_WAIT_MS);
  await b.start();
  bus.publish("readings", hours(5, 8)).catch(() => {});
  await waitFor(() => committed("evaluator-w", "8"), { what: "B processed hours 5–7" });

  // The writer stores hours 0–4 on both partitions, not B's: both partitions catch up at once, and
  // the catch-up waits (holding B's batches) for the writer to store what B processed.
  old.open();
  await waitFor(() => committed("writer-w", "5"), { what: "the writer stored hours 0–4" });
  const caughtAt = performance.now();
  // The watch polls every 200 ms: by now the catch-up holds the batch lock.
  await new Promise((resolve) => setTimeout(resolve, 400));
  bus.publish("readings", hours(8, 9)).catch(() => {});
  await waitFor(() => committed("evaluator-w", "9"), { timeoutMs: 20_000, what: "B processed hour 8" });
  const heldMs = performance.now() - caughtAt;
  expect(heldMs, "held by the catch-up").toBeGreaterThanOrEqual(TAKEOVER_WAIT_MS - 500);
  expect(heldMs, "held at most about takeoverWaitMs").toBeLessThan(2 * TAKEOVER_WAIT_MS - 300);
}, 60_000);
