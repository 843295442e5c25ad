import { connect, createServer } from "node:net";
import { createMemoryBus } from "@qingshan/bus";
import { buildPacket, formatDataTime } from "@qingshan/hj212";
import { freePort, waitFor } from "@qingshan/testkit";
import { connectAsync } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { startEmbeddedBroker } from "./embedded-broker.ts";
import { createIngest } from "./index.ts";
import { AIR_MN, clock, collect, NOW, PACKET_B, PACKET_B_RESPONSE, registry } from "./testdata/fixtures.ts";

const logger = pino({ level: "silent" });

describe("createIngest", () => {
  it("runs the embedded broker, the HJ 212 TCP listener and MQTT together, and counts what it saw", async () => {
    const bus = createMemoryBus();
    await bus.start();
    const got = await collect(bus);
    const metricsRegistry = new Registry();
    const [mqttPort, tcpPort] = [await freePort(), await freePort()];
    const ingest = createIngest(
      {
        mqtt: { embeddedPort: mqttPort, embeddedHost: "127.0.0.1" },
        hj212: { tcpPort, tcpHost: "127.0.0.1" },
      },
      { bus, registry, clock, logger, metricsRegistry },
    );
    await ingest.start();
    expect([ingest.brokerPort, ingest.tcpPort, ingest.brokerUrl]).toEqual([
      mqttPort,
      tcpPort,
      `mqtt://127.0.0.1:${mqttPort}`,
    ]);

    const socket = connect(tcpPort, "127.0.0.1");
    let reply = "";
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString("utf8");
    });
    socket.write(PACKET_B);
    await waitFor(() => reply === PACKET_B_RESPONSE, { what: "the 9014 reply" });
    socket.destroy();

    const client = await connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
      clientId: "station-index",
      protocolVersion: 4,
    });
    await client.publishAsync(
      "stations/ld-aq-01/air",
      JSON.stringify({ ts: "2026-11-28T10:00:00+08:00", values: { pm25: "high" } }),
      {
        qos: 1,
      },
    );
    await client.endAsync();
    await waitFor(() => got.readings.length === 9 && got.deadLetters.length === 1, { what: "deliveries" });

    const text = await metricsRegistry.metrics();
    expect(text).toContain('qingshan_messages_total{source="hj212-tcp"} 1');
    expect(text).toContain('qingshan_messages_total{source="mqtt"} 1');
    expect(text).toContain('qingshan_readings_received_total{source="tcp-hj212"} 9');
    expect(text).toContain('qingshan_readings_rejected_total{reason="value.not_number"} 1');
    // The help text names the label the samples carry (it said "by rejection code", the label is reason).
    expect(text).toMatch(/^# HELP qingshan_readings_rejected_total .*\bby reason\b/m);

    await ingest.stop();
    expect(ingest.brokerPort).toBeUndefined();
    // Both ports are free again.
    const again = await startEmbeddedBroker({ port: mqttPort, host: "127.0.0.1" });
    await again.close();
    await bus.stop();
  });

  it("passes hj212.slowClockThresholdMs on to the TCP listener: a 1-min lag sets the clock at a 30-s threshold, not at the default", async () => {
    const cnsSent = async (slowClockThresholdMs?: number): Promise<string[]> => {
      const bus = createMemoryBus();
      await bus.start();
      const at = { now: NOW };
      const tcpPort = await freePort();
      const ingest = createIngest(
        {
          mqtt: { embeddedPort: await freePort(), embeddedHost: "127.0.0.1" },
          hj212: { tcpPort, tcpHost: "127.0.0.1", ...(slowClockThresholdMs ? { slowClockThresholdMs } : {}) },
        },
        { bus, registry, clock: () => at.now, logger, metricsRegistry: new Registry() },
      );
      await ingest.start();
      const socket = connect(tcpPort, "127.0.0.1");
      let replies = "";
      socket.on("data", (chunk: Buffer) => {
        replies += chunk.toString("utf8");
      });
      // Real-time uploads (2011) 30 s apart, each arriving 60 s after its DataTime.
      for (let i = 0; i < 3; i++) {
        const dataTime = formatDataTime(at.now - 60_000);
        const cp = `DataTime=${dataTime};a34004-Rtd=35,a34004-Flag=N`;
        socket.write(
          buildPacket({ qn: `${dataTime}001`, st: "22", cn: "2011", pw: "123456", mn: AIR_MN, flag: 5, cp }),
        );
        await waitFor(() => replies.split("CN=9014").length - 1 === i + 1, {
          what: `the 9014 of upload ${i + 1}`,
        });
        at.now += 30_000;
      }
      if (slowClockThresholdMs) await waitFor(() => replies.includes("CN=1012"), { what: "the 1012" });
      socket.destroy();
      await ingest.stop();
      await bus.stop();
      return [...replies.matchAll(/CN=(\d{4})/g)].map((m) => m[1] as string);
    };
    expect(await cnsSent()).toEqual(["9014", "9014", "9014"]);
    expect(await cnsSent(30_000)).toEqual(["9014", "9014", "9014", "1012"]);
  });

  it("fails to start with the setting to change when the HJ 212 port is taken, releasing the broker", async () => {
    const bus = createMemoryBus();
    const [mqttPort, tcpPort] = [await freePort(), await freePort()];
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(tcpPort, "127.0.0.1", resolve));
    const ingest = createIngest(
      {
        mqtt: { embeddedPort: mqttPort, embeddedHost: "127.0.0.1" },
        hj212: { tcpPort, tcpHost: "127.0.0.1" },
      },
      { bus, registry, clock, logger, metricsRegistry: new Registry() },
    );
    await expect(ingest.start()).rejects.toThrow(
      `HJ 212 TCP port ${tcpPort} is already in use: set hj212.tcpPort (QINGSHAN_HJ212_PORT) to a free port, or 0 to disable the listener`,
    );
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    const broker = await startEmbeddedBroker({ port: mqttPort, host: "127.0.0.1" });
    await broker.close();
  });

  it("fails to start with an error naming mqtt.url when the broker is unreachable", async () => {
    const port = await freePort();
    const ingest = createIngest(
      { mqtt: { url: `mqtt://127.0.0.1:${port}`, reconnectPeriodMs: 0 }, hj212: { tcpPort: 0 } },
      { bus: createMemoryBus(), registry, clock, logger, metricsRegistry: new Registry() },
    );
    await expect(ingest.start()).rejects.toThrow(
      new RegExp(
        `cannot connect to the MQTT broker mqtt://127.0.0.1:${port} as "qingshan-ingest": .*mqtt\\.url`,
      ),
    );
  });

  it("is ready only while its sessions are connected to the external broker", async () => {
    const port = await freePort();
    // A plain aedes broker stands in for the external one; the embedded one speaks MQTT 3.1.1.
    let external = await startEmbeddedBroker({ port, host: "127.0.0.1" });
    const ingest = createIngest(
      {
        mqtt: { url: `mqtt://127.0.0.1:${port}`, protocolVersion: 4, shareGroup: "", reconnectPeriodMs: 100 },
        hj212: { tcpPort: 0 },
      },
      { bus: createMemoryBus(), registry, clock, logger, metricsRegistry: new Registry() },
    );
    expect(ingest.ready()).toEqual({ ok: false, detail: "not started" });
    await ingest.start();
    try {
      expect(ingest.ready()).toMatchObject({
        ok: true,
        detail: expect.stringMatching(/^1\/1 MQTT sessions connected/),
      });
      await external.close();
      await waitFor(() => !ingest.ready().ok, { what: "ingest not ready after the broker went away" });
      expect(ingest.ready().detail).toMatch(/^0\/1 MQTT sessions connected/);
      external = await startEmbeddedBroker({ port, host: "127.0.0.1" });
      await waitFor(() => ingest.ready().ok, {
        timeoutMs: 15_000,
        what: "ingest ready after the broker returned",
      });
    } finally {
      await ingest.stop();
      await external.close();
    }
  });
});
