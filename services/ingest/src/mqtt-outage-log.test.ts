import { createMemoryBus } from "@qingshan/bus";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { requirePrivateMosquitto, startPrivateMosquitto } from "@qingshan/testkit/mosquitto";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createIngest } from "./index.ts";
import { clock, registry } from "./testdata/fixtures.ts";

const probe = await requirePrivateMosquitto();
const cleanups = cleanupsAfterEach();
afterEach(() => {
  vi.restoreAllMocks();
});

describe.skipIf(!probe.available)(`ingest's log while the broker is down${probe.note}`, () => {
  it("says once that the broker is unreachable, at warn, not an error with a stack at every reconnect", async () => {
    const broker = await startPrivateMosquitto();
    cleanups.push(() => broker.stop());
    const lines: Array<{ level: number; msg: string; code?: string; err?: unknown }> = [];
    const logger = pino({ level: "debug" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const bus = createMemoryBus();
    await bus.start();
    cleanups.push(() => bus.stop());
    const ingest = createIngest(
      {
        mqtt: { url: broker.url, clientId: "ingest-outage", shareGroup: "qingshan", reconnectPeriodMs: 200 },
        hj212: { tcpPort: 0 },
      },
      { bus, registry, clock, logger, metricsRegistry: new Registry() },
    );
    await ingest.start();
    cleanups.push(() => ingest.stop());

    await broker.stop();
    // Five reconnect attempts or more, each refused.
    await waitFor(() => lines.filter((l) => l.msg === "MQTT reconnecting").length >= 5, {
      timeoutMs: 15_000,
      what: "ingest to retry the broker",
    });
    const unreachable = lines.filter((l) => l.msg.startsWith("MQTT broker"));
    expect(unreachable.map((l) => [l.level, l.msg, l.code])).toEqual([
      [40, "MQTT broker unreachable; reconnecting", "ECONNREFUSED"],
    ]);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });

  it("logs the reconnecting at warn once, then a summary a minute (attempts, since, last error), the reconnection at info", async () => {
    const broker = await startPrivateMosquitto();
    cleanups.push(() => broker.stop());
    type Line = { level: number; msg: string; attempts?: number; since?: string; code?: string };
    const lines: Line[] = [];
    const logger = pino({ level: "debug" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    // The summary's minute on a clock of the test's own: Date.now runs skewMs ahead of real time.
    let skewMs = 0;
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, "now").mockImplementation(() => realNow() + skewMs);
    const bus = createMemoryBus();
    await bus.start();
    cleanups.push(() => bus.stop());
    const ingest = createIngest(
      {
        mqtt: {
          url: broker.url,
          clientId: "ingest-reconnect-log",
          shareGroup: "qingshan",
          reconnectPeriodMs: 200,
        },
        hj212: { tcpPort: 0 },
      },
      { bus, registry, clock, logger, metricsRegistry: new Registry() },
    );
    await ingest.start();
    cleanups.push(() => ingest.stop());

    await broker.stop();
    const outageStart = lines.length;
    const attempts = () => lines.slice(outageStart).filter((l) => l.msg === "MQTT reconnecting");
    await waitFor(() => attempts().length >= 5, { timeoutMs: 15_000, what: "ingest to retry the broker" });
    // The first attempt at warn, the others at debug only (was: every attempt at info, 86 400 lines a day).
    expect(attempts().map((l) => l.level)).toEqual([
      40,
      ...attempts()
        .slice(1)
        .map(() => 20),
    ]);
    expect(lines.some((l) => l.msg.startsWith("MQTT still reconnecting"))).toBe(false);

    skewMs = 61_000; // a minute later
    await waitFor(() => lines.some((l) => l.msg.startsWith("MQTT still reconnecting")), {
      timeoutMs: 15_000,
      what: "the minute's summary",
    });
    const summary = lines.find((l) => l.msg.startsWith("MQTT still reconnecting")) as Line;
    const first = attempts()[0] as Line & { time: number };
    expect(summary.level).toBe(40);
    expect(summary.attempts).toBeGreaterThanOrEqual(6);
    expect(summary.code).toBe("ECONNREFUSED");
    // The outage's start, read just before the first attempt's line was logged (its own timestamp).
    const since = Date.parse(summary.since as string);
    expect(since).toBeLessThanOrEqual(first.time);
    expect(first.time - since).toBeLessThan(1_000);
    expect(summary.msg).toBe(
      `MQTT still reconnecting: ${summary.attempts} attempts since ${summary.since} (last error ECONNREFUSED)`,
    );

    const restarted = await startPrivateMosquitto({ port: broker.port });
    cleanups.push(() => restarted.stop());
    await waitFor(() => lines.some((l) => l.msg.startsWith("MQTT reconnected")), {
      timeoutMs: 15_000,
      what: "ingest to reconnect",
    });
    const reconnected = lines.find((l) => l.msg.startsWith("MQTT reconnected")) as Line;
    expect(reconnected.level).toBe(30);
    expect(reconnected.since).toBe(summary.since);
    expect(reconnected.msg).toMatch(/^MQTT reconnected after \d+ attempts since /);
    // Over the whole outage: the first attempt and one summary, no per-attempt line at info or above.
    const loud = lines
      .slice(outageStart)
      .filter((l) => l.level >= 30 && /^MQTT (still )?reconnecting/.test(l.msg));
    expect(loud.map((l) => l.msg)).toEqual(["MQTT reconnecting", summary.msg]);
  });
});
