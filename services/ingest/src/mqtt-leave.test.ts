import { type Bus, createMemoryBus } from "@qingshan/bus";
import type { Reading } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import {
  type PrivateMosquitto,
  requirePrivateMosquitto,
  startPrivateMosquitto,
} from "@qingshan/testkit/mosquitto";
import { connectAsync } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { beforeEach, describe, expect, it } from "vitest";
import { createIngest, type Ingest, type IngestConfigInput } from "./index.ts";
import { clock, registry } from "./testdata/fixtures.ts";

const probe = await requirePrivateMosquitto();
const TS = Date.parse("2026-11-28T10:00:00+08:00");
const GROUP = "qingshan";
const cleanups = cleanupsAfterEach();
let broker: PrivateMosquitto;

beforeEach(async () => {
  broker = await startPrivateMosquitto();
  cleanups.push(() => broker.stop());
});

interface LogLine {
  level: number;
  msg: string;
  clientId?: string;
  clientIds?: string[];
  drainedMessages?: number;
}

/** A logger whose lines are collected (info and above). */
function capturedLogger() {
  const lines: LogLine[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

async function startBus(options: { slowMs?: number } = {}): Promise<{ bus: Bus; readings: Reading[] }> {
  const bus = createMemoryBus();
  await bus.start();
  cleanups.push(() => bus.stop());
  const readings: Reading[] = [];
  // A durable subscriber: a publish resolves once it has taken the reading (the writer's role).
  await bus.subscribe<Reading>("readings", { group: "writer", durable: true }, async (batch) => {
    if (options.slowMs) await new Promise((resolve) => setTimeout(resolve, options.slowMs));
    for (const d of batch) readings.push(d.value);
  });
  return { bus, readings };
}

function config(clientId: string, extra: Partial<IngestConfigInput["mqtt"]> = {}): IngestConfigInput {
  return {
    mqtt: { url: broker.url, clientId, shareGroup: GROUP, sessionExpirySeconds: 600, ...extra },
    hj212: { tcpPort: 0 },
  };
}

async function startIngest(
  input: IngestConfigInput,
  bus: Bus,
  logger = pino({ level: "silent" }),
): Promise<Ingest> {
  const ingest = createIngest(input, { bus, registry, clock, logger, metricsRegistry: new Registry() });
  await ingest.start();
  cleanups.push(() => ingest.stop());
  return ingest;
}

/** Publishes `n` QoS 1 readings (pm25 = 1…n) as a station; resolves once the broker PUBACKed all. */
async function publishReadings(n: number, first = 1): Promise<number[]> {
  const station = await connectAsync(broker.url, { clientId: "station-ld-aq-01", protocolVersion: 5 });
  const values = Array.from({ length: n }, (_, i) => first + i);
  try {
    await Promise.all(
      values.map((value) =>
        station.publishAsync("stations/ld-aq-01/air", JSON.stringify({ ts: TS, values: { pm25: value } }), {
          qos: 1,
        }),
      ),
    );
  } finally {
    await station.endAsync();
  }
  return values;
}

/** Whether the broker still holds a session for `clientId` (CONNACK Session Present, MQTT 5.0 §3.2.2.1.1). */
async function sessionPresent(clientId: string): Promise<boolean> {
  const client = await connectAsync(broker.url, {
    clientId,
    protocolVersion: 5,
    clean: false,
    reconnectPeriod: 0,
    // Expiry 0 on this probe: it deletes what it finds (MQTT 5.0 §3.1.2.11.2).
    properties: { sessionExpiryInterval: 0 },
  });
  const present = Boolean(
    (client as unknown as { connackPacket?: { sessionPresent?: boolean } }).connackPacket?.sessionPresent,
  );
  await client.endAsync();
  return present;
}

const sorted = (readings: Reading[]) => readings.map((r) => r.value).sort((a, b) => a - b);

describe.skipIf(!probe.available)(`leaving the share group at stop (private Mosquitto)${probe.note}`, () => {
  it("with leaveOnStop, stopping one of two ingests sends every later reading to the other, and the stopped one's session is deleted", async () => {
    const a = await startBus();
    const c = await startBus();
    await startIngest(config("ingest-a", { leaveOnStop: true, leaveQuietMs: 200 }), a.bus);
    const { logger, lines } = capturedLogger();
    const leaving = await startIngest(
      config("ingest-c", { leaveOnStop: true, leaveQuietMs: 200 }),
      c.bus,
      logger,
    );
    await leaving.stop();
    expect(
      lines.some((l) => l.msg.includes("left the share group") && l.clientIds?.includes("ingest-c")),
    ).toBe(true);

    const values = await publishReadings(30);
    await waitFor(() => a.readings.length === 30, { what: "all 30 readings at the remaining ingest" });
    expect(sorted(a.readings)).toEqual(values);
    expect(c.readings).toHaveLength(0);
    expect(await sessionPresent("ingest-c")).toBe(false);
  });

  it("with leaveOnStop, the messages queued in the leaving session are handed on before it ends", async () => {
    const a = await startBus();
    // C hands on slowly and takes 2 messages at a time, so its share queues in its session.
    const c = await startBus({ slowMs: 40 });
    await startIngest(config("ingest-a", { leaveOnStop: true, leaveQuietMs: 300 }), a.bus);
    const { logger, lines } = capturedLogger();
    const leaving = await startIngest(
      config("ingest-c", { leaveOnStop: true, leaveQuietMs: 300, maxInFlight: 2 }),
      c.bus,
      logger,
    );
    const values = await publishReadings(60);
    await waitFor(() => c.readings.length > 0, { what: "the slow ingest to take its first readings" });
    expect(c.readings.length).toBeLessThan(25);
    await leaving.stop();
    // Nothing stays in C's session: every reading was stored by one of the two, C's before it ended.
    expect(await sessionPresent("ingest-c")).toBe(false);
    await waitFor(() => a.readings.length + c.readings.length >= 60, { what: "all 60 readings stored" });
    expect(sorted([...a.readings, ...c.readings])).toEqual(values);
    const left = lines.find((l) => l.msg.includes("left the share group"));
    expect(left?.drainedMessages).toBeGreaterThan(0);
  });

  it("with leaveOnStop over MQTT 3.1.1, the stopped ingest's session is discarded (clean-session reconnect)", async () => {
    const c = await startBus();
    const leaving = await startIngest(
      config("ingest-c", { leaveOnStop: true, leaveQuietMs: 100, protocolVersion: 4 }),
      c.bus,
    );
    await leaving.stop();
    expect(await sessionPresent("ingest-c")).toBe(false);
  });

  it("without leaveOnStop (the default), a stopped ingest's persistent session keeps its share of new messages until its client id reconnects", async () => {
    const a = await startBus();
    const c1 = await startBus();
    await startIngest(config("ingest-a"), a.bus);
    const leaving = await startIngest(config("ingest-c"), c1.bus);
    await leaving.stop();

    const values = await publishReadings(30);
    await waitFor(() => a.readings.length > 0, { what: "readings at the remaining ingest" });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Mosquitto still counts the offline session as a member of the share group.
    expect(a.readings.length).toBeLessThan(30);
    const c2 = await startBus();
    await startIngest(config("ingest-c"), c2.bus);
    await waitFor(() => a.readings.length + c2.readings.length === 30, {
      what: "the stranded readings once ingest-c reconnects",
    });
    expect(sorted([...a.readings, ...c2.readings])).toEqual(values);
  });

  it("two ingests with one client id: the session takeover is logged as an error naming the client id and QINGSHAN_MQTT_CLIENT_ID", async () => {
    const first = capturedLogger();
    const second = capturedLogger();
    await startIngest(config("ingest-same"), (await startBus()).bus, first.logger);
    await startIngest(config("ingest-same"), (await startBus()).bus, second.logger);
    const clash = () =>
      [...first.lines, ...second.lines].find((l) => l.level === 50 && l.msg.includes("taken over"));
    await waitFor(() => clash() !== undefined, { what: "the takeover error", timeoutMs: 30_000 });
    const line = clash() as LogLine;
    expect(line.clientId).toBe("ingest-same");
    expect(line.msg).toContain('"ingest-same"');
    expect(line.msg).toContain("QINGSHAN_MQTT_CLIENT_ID");
    // Mosquitto 2.0.11 closes the taken-over connection without a DISCONNECT (no 0x8E reason).
    expect(line.msg).toMatch(/closed the connection \d+ times in a row|0x8E Session taken over/);
  }, 40_000);
});
