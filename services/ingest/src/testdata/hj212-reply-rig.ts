/**
 * What the HJ 212 reply tests share: an ingest taking packets both ways (HJ 212 TCP listener and
 * embedded MQTT broker, on loopback) and a station's end of each, collecting the replies.
 */
import { connect, type Socket } from "node:net";
import { type Bus, createMemoryBus } from "@qingshan/bus";
import { freePort } from "@qingshan/testkit";
import type { Cleanups } from "@qingshan/testkit/cleanups";
import { connectAsync, type MqttClient } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { createIngest, type Ingest } from "../index.ts";
import { type Collected, clock, collect, registry } from "./fixtures.ts";

/**
 * A started ingest on an in-process bus (fixtures' registry and clock, silent logger) with the
 * HJ 212 TCP listener on a free port and the embedded broker on port 0; `got` collects what it
 * publishes. Stopped by steps pushed to `cleanups`.
 *
 * @example
 * const { ingest, got } = await startIngestBothWays(cleanups);
 */
export async function startIngestBothWays(cleanups: Cleanups): Promise<{ ingest: Ingest; got: Collected }> {
  const bus: Bus = createMemoryBus();
  await bus.start();
  cleanups.push(() => bus.stop());
  const got = await collect(bus);
  const ingest = createIngest(
    {
      mqtt: { embeddedPort: 0, embeddedHost: "127.0.0.1" },
      hj212: { tcpPort: await freePort(), tcpHost: "127.0.0.1" },
    },
    { bus, registry, clock, logger: pino({ level: "silent" }), metricsRegistry: new Registry() },
  );
  await ingest.start();
  cleanups.push(() => ingest.stop());
  return { ingest, got };
}

/**
 * A station connected to the ingest's HJ 212 TCP listener; `received()` is all it got so far.
 *
 * @example
 * const station = tcpStation(ingest, cleanups);
 * station.socket.write(PACKET_B);
 * await waitFor(() => station.received().length >= PACKET_B_RESPONSE.length, { what: "a reply" });
 */
export function tcpStation(ingest: Ingest, cleanups: Cleanups): { socket: Socket; received: () => string } {
  const socket = connect(ingest.tcpPort as number, "127.0.0.1");
  cleanups.push(async () => {
    socket.destroy();
  });
  let received = "";
  socket.on("data", (chunk: Buffer) => {
    received += chunk.toString("utf8");
  });
  return { socket, received: () => received };
}

/**
 * A station (MQTT 3.1.1 client `clientId`) on the ingest's embedded broker, subscribed to
 * hj212/{mn}/reply; `replies` are the replies it got, in order.
 *
 * @example
 * const { client, replies } = await mqttStation(ingest, WATER_MN, "replies-test", cleanups);
 * await client.publishAsync(`hj212/${WATER_MN}`, PACKET_B, { qos: 1 });
 */
export async function mqttStation(
  ingest: Ingest,
  mn: string,
  clientId: string,
  cleanups: Cleanups,
): Promise<{ client: MqttClient; replies: string[] }> {
  const client = await connectAsync(ingest.brokerUrl as string, {
    clientId,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  cleanups.push(() => client.endAsync(true));
  const replies: string[] = [];
  client.on("message", (topic, payload) => {
    if (topic === `hj212/${mn}/reply`) replies.push(payload.toString("utf8"));
  });
  await client.subscribeAsync(`hj212/${mn}/reply`, { qos: 1 });
  return { client, replies };
}
