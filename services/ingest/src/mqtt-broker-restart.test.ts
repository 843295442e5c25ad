import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Bus, createMemoryBus } from "@qingshan/bus";
import type { Reading } from "@qingshan/domain";
import { requireService, waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import {
  type PrivateMosquitto,
  requirePrivateMosquitto,
  startPrivateMosquitto,
} from "@qingshan/testkit/mosquitto";
import { connectAsync } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createIngest, type Ingest, type IngestConfigInput } from "./index.ts";
import { clock, registry } from "./testdata/fixtures.ts";

const probe = await requirePrivateMosquitto();
/** Mosquitto's dynamic security plugin (Debian/Ubuntu path), to make the broker refuse a SUBSCRIBE. */
const DYNSEC_PLUGIN = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so";
const dynsec = await requireService("mosquitto dynamic security plugin", async () => {
  if (!existsSync(DYNSEC_PLUGIN)) throw new Error(`${DYNSEC_PLUGIN} not installed`);
});
const TS = Date.parse("2026-11-28T10:00:00+08:00");
const cleanups = cleanupsAfterEach();

interface LogLine {
  level: number;
  msg: string;
  clientId?: string;
}

async function startBroker(config: string[] = []): Promise<PrivateMosquitto> {
  const broker = await startPrivateMosquitto({ config });
  cleanups.push(() => broker.stop());
  return broker;
}

/** A bus with a durable subscriber standing in for the writer: what it took is stored. */
async function startBus(): Promise<{ bus: Bus; readings: Reading[] }> {
  const bus = createMemoryBus();
  await bus.start();
  cleanups.push(() => bus.stop());
  const readings: Reading[] = [];
  await bus.subscribe<Reading>("readings", { group: "writer", durable: true }, async (batch) => {
    for (const d of batch) readings.push(d.value);
  });
  return { bus, readings };
}

async function startIngest(
  broker: PrivateMosquitto,
  clientId: string,
  bus: Bus,
  mqtt: Partial<IngestConfigInput["mqtt"]> = {},
): Promise<{ ingest: Ingest; lines: LogLine[] }> {
  const lines: LogLine[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const ingest = createIngest(
    {
      // Not ready from the connection loss until the restarted broker is back and the first quick
      // reconnect attempt (50 ms after the loss, mqtt-ingest.ts) subscribed again: enough for waitFor.
      mqtt: {
        url: broker.url,
        clientId,
        shareGroup: "qingshan",
        sessionExpirySeconds: 600,
        reconnectPeriodMs: 1500,
        ...mqtt,
      },
      hj212: { tcpPort: 0 },
    },
    { bus, registry, clock, logger, metricsRegistry: new Registry() },
  );
  await ingest.start();
  cleanups.push(() => ingest.stop());
  return { ingest, lines };
}

/** Publishes QoS 1 readings (pm25 = each value) as a station; resolves once the broker PUBACKed all. */
async function publishReadings(
  broker: PrivateMosquitto,
  values: number[],
  options: { retain?: boolean } = {},
): Promise<number[]> {
  const station = await connectAsync(broker.url, { clientId: "station-ld-aq-01", protocolVersion: 5 });
  try {
    await Promise.all(
      values.map((value) =>
        station.publishAsync(
          "stations/ld-aq-01/air",
          JSON.stringify({ ts: TS + value, values: { pm25: value } }),
          {
            qos: 1,
            retain: options.retain ?? false,
          },
        ),
      ),
    );
  } finally {
    await station.endAsync();
  }
  return values;
}

/** A dynamic-security configuration without clients or roles: every client gets the defaults. */
function dynsecConfig(access: { subscribe: boolean }): string {
  return JSON.stringify({
    defaultACLAccess: {
      publishClientSend: true,
      publishClientReceive: true,
      subscribe: access.subscribe,
      unsubscribe: true,
    },
    clients: [],
    groups: [],
    roles: [],
  });
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const sorted = (readings: Reading[]) => readings.map((r) => r.value).sort((a, b) => a - b);

describe.skipIf(!probe.available)(
  `ingest across a Mosquitto restart (private Mosquitto)${probe.note}`,
  () => {
    it("two ingests in a share group: not ready while the broker is down, and once ready again every reading published is stored", async () => {
      const broker = await startBroker();
      const a = await startBus();
      const b = await startBus();
      const ingestA = await startIngest(broker, "ingest-a", a.bus);
      const ingestB = await startIngest(broker, "ingest-b", b.bus);
      const before = await publishReadings(broker, range(1, 20));
      await waitFor(() => a.readings.length + b.readings.length === 20, {
        what: "the readings before the restart",
      });

      // SIGTERM (Mosquitto saves the sessions) and start again on the same port and data directory.
      const restarting = broker.restart();
      await waitFor(() => !ingestA.ingest.ready().ok && !ingestB.ingest.ready().ok, {
        what: "both ingests not ready while the broker restarts",
      });
      expect(ingestA.ingest.ready().detail).toMatch(
        /^0\/1 MQTT sessions connected and subscribed to mqtt:\/\/127\.0\.0\.1:\d+; ingest-a: connection lost; reconnecting$/,
      );
      await restarting;
      // Ready means subscribed again: Mosquitto 2.0.11 restored each session without its $share subscriptions.
      await waitFor(() => ingestA.ingest.ready().ok && ingestB.ingest.ready().ok, {
        timeoutMs: 15_000,
        what: "both ingests ready after the restart",
      });
      expect(ingestB.ingest.ready().detail).toMatch(/^1\/1 MQTT sessions connected and subscribed to /);
      expect(ingestA.lines.some((l) => l.msg === "MQTT ingest subscribed again after reconnecting")).toBe(
        true,
      );

      const after = await publishReadings(broker, range(101, 40));
      await waitFor(() => a.readings.length + b.readings.length === 60, {
        what: "the 40 readings published after the restart stored",
      });
      expect(sorted([...a.readings, ...b.readings])).toEqual([...before, ...after]);
    });

    it('a plain subscription (shareGroup ""): subscribing again after the restart does not resend a retained reading (Retain Handling 1)', async () => {
      const broker = await startBroker();
      await publishReadings(broker, [7], { retain: true });
      const { bus, readings } = await startBus();
      const { ingest } = await startIngest(broker, "ingest-plain", bus, { shareGroup: "" });
      await waitFor(() => readings.length === 1, { what: "the retained reading at the first subscription" });

      await broker.restart();
      await waitFor(() => ingest.ready().ok, { timeoutMs: 15_000, what: "ingest ready after the restart" });
      await publishReadings(broker, [8]);
      await waitFor(() => readings.length >= 2, { what: "the reading published after the restart" });
      // Some time for a resent retained message to arrive, were it sent.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(readings.map((r) => r.value)).toEqual([7, 8]);
    });

    it.skipIf(!dynsec.available)(
      `a subscription the restarted broker refuses: not ready, naming the filters and reason code, logged at error${dynsec.note}`,
      async () => {
        // Mosquitto's acl_file never refuses a SUBSCRIBE (it filters at delivery); the dynamic
        // security plugin does, with 0x87 Not authorized, when its default denies subscribing.
        const file = join(tempDir(cleanups, "qingshan-dynsec-"), "dynamic-security.json");
        writeFileSync(file, dynsecConfig({ subscribe: true }));
        const broker = await startBroker([`plugin ${DYNSEC_PLUGIN}`, `plugin_opt_config_file ${file}`]);
        const { bus } = await startBus();
        const { ingest, lines } = await startIngest(broker, "ingest-acl", bus);
        expect(ingest.ready().ok).toBe(true);

        writeFileSync(file, dynsecConfig({ subscribe: false }));
        await broker.restart();
        await waitFor(() => ingest.ready().detail.includes("refused"), {
          timeoutMs: 15_000,
          what: "the refused subscription in readiness",
        });
        expect(ingest.ready()).toEqual({
          ok: false,
          detail: expect.stringMatching(
            /^0\/1 MQTT sessions connected and subscribed to mqtt:\/\/127\.0\.0\.1:\d+; ingest-acl: the broker refused \$share\/qingshan\/stations\/# \(0x87 Not authorized\), \$share\/qingshan\/hj212\/# \(0x87 Not authorized\)$/,
          ),
        });
        const error = lines.find((l) => l.level === 50 && l.msg.startsWith("MQTT subscription refused"));
        expect(error?.clientId).toBe("ingest-acl");
        expect(error?.msg).toContain("$share/qingshan/stations/# (0x87 Not authorized)");
      },
    );
  },
);
