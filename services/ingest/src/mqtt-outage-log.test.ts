import { createMemoryBus } from "@qingshan/bus";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { requirePrivateMosquitto, startPrivateMosquitto } from "@qingshan/testkit/mosquitto";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createIngest } from "./index.ts";
import { clock, registry } from "./testdata/fixtures.ts";

const probe = await requirePrivateMosquitto();
const cleanups = cleanupsAfterEach();

describe.skipIf(!probe.available)(`ingest's log while the broker is down${probe.note}`, () => {
  it("says once that the broker is unreachable, at warn, not an error with a stack at every reconnect", async () => {
    const broker = await startPrivateMosquitto();
    cleanups.push(() => broker.stop());
    const lines: Array<{ level: number; msg: string; code?: string; err?: unknown }> = [];
    const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
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
});
