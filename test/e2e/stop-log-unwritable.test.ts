/**
 * Stopping embedded ingest while the writer cannot make a message durable (its readings log
 * cannot be written, so the bus publish holding the station's PUBACK waits in the writer's retry
 * loop): ingest's stop returns after drainTimeoutMs, as documented, and the message is not
 * acknowledged. Before, stop waited for that publish, which only the bus's stop — after
 * ingest's and the writer's in `qingshan start` — would end: SIGTERM hung.
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryBus } from "@qingshan/bus";
import { loadStationRegistry } from "@qingshan/simulator";
import { createDuckDbStore } from "@qingshan/store";
import { waitFor } from "@qingshan/testkit";
import mqtt from "mqtt";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createIngest } from "../../services/ingest/src/index.ts";
import { createWriter } from "../../services/writer/src/index.ts";

const root = join(import.meta.dirname, "../..");
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

describe("embedded ingest's stop while the writer cannot log a message", () => {
  it("returns within drainTimeoutMs and leaves the message unacknowledged", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "qingshan-e2e-stop-log-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const store = createDuckDbStore({ path: join(dataDir, "qingshan.duckdb"), threads: 1 });
    await store.start();
    cleanups.push(() => store.stop());
    const bus = createMemoryBus({ onHandlerError: () => {} });
    await bus.start();
    cleanups.push(() => bus.stop());

    const writerLines: Array<{ msg: string }> = [];
    const logDir = join(dataDir, "writer-log");
    const writer = createWriter({
      bus,
      store,
      logger: pino({ level: "info" }, { write: (line: string) => void writerLines.push(JSON.parse(line)) }),
      retry: { initialMs: 20, maxMs: 100 },
      log: { dir: logDir },
    });
    await writer.start();
    cleanups.push(() => writer.stop());
    // The log directory is replaced by a file after the writer started (a volume gone, a cleanup
    // by hand): no segment is open yet, so every append fails (ENOTDIR) and is retried.
    rmSync(logDir, { recursive: true });
    writeFileSync(logDir, "");

    const drainTimeoutMs = 500;
    const ingest = createIngest(
      { mqtt: { embeddedPort: 0, embeddedHost: "127.0.0.1" }, hj212: { tcpPort: 0 }, drainTimeoutMs },
      {
        bus,
        registry: loadStationRegistry(join(root, "seeds/liandu/stations.json")),
        logger: pino({ level: "silent" }),
      },
    );
    await ingest.start();
    let ingestStop: Promise<unknown> | undefined;
    cleanups.push(async () => {
      // A stop that hung (the defect) waits for a publish that only the bus's stop ends.
      await writer.stop();
      await bus.stop();
      await (ingestStop ?? ingest.stop());
    });

    const station = await mqtt.connectAsync(ingest.brokerUrl as string, {
      clientId: "ld-aq-01",
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    cleanups.push(() => station.endAsync(true));
    station.on("error", () => {});
    let acknowledged = false;
    station.publish(
      "stations/ld-aq-01/air",
      JSON.stringify({ ts: Date.now() - 60_000, values: { pm25: 35 } }),
      { qos: 1 },
      (error) => {
        if (error === undefined || error === null) acknowledged = true;
      },
    );
    await waitFor(() => writerLines.some((l) => l.msg === "readings log append failed; retrying"), {
      timeoutMs: 10_000,
      what: "the writer retrying the append",
    });

    const started = performance.now();
    ingestStop = ingest.stop();
    const stopped = ingestStop.then(() => performance.now() - started);
    const elapsedMs = await Promise.race([
      stopped,
      new Promise<string>((resolve) =>
        setTimeout(() => resolve("ingest.stop() still waiting after 5 s"), 5_000),
      ),
    ]);
    expect(elapsedMs).toBeTypeOf("number");
    expect(elapsedMs).toBeLessThan(drainTimeoutMs + 1_500);
    expect(elapsedMs).toBeGreaterThanOrEqual(drainTimeoutMs - 50);
    expect(acknowledged).toBe(false);
    // The writer's stop then ends its retries; nothing was stored or acknowledged.
    await writer.stop();
    expect(await store.queryReadings({ stationId: "ld-aq-01", from: 0, to: Date.now() + 1 })).toEqual([]);
  });
});
