import { connect } from "node:net";
import { type Bus, createMemoryBus } from "@qingshan/bus";
import { buildDataResponse, buildPacket, parsePacket } from "@qingshan/hj212";
import { freePort, waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { connectAsync } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createIngest, type Ingest } from "./index.ts";
import { AIR_MN, type Collected, clock, collect, registry } from "./testdata/fixtures.ts";

// hj212.md §3: every data upload (20xx) with A=1 is answered with a 9014 echoing its QN, or the
// station resends it. CN 2021 (device running state) carries no pollutant values: Qingshan keeps it
// as an hj212.not_stored dead letter of the station and answers it.

const logger = pino({ level: "silent" });
const cleanups = cleanupsAfterEach();

/** Station ld-aq-01 uploading its device running state (CN 2021), Flag=5: answer requested. */
const RUNNING_STATE = buildPacket({
  qn: "20261128103005321",
  st: "22",
  cn: "2021",
  pw: "123456",
  mn: AIR_MN,
  flag: 5,
  cp: "DataTime=20261128103000;a34004-RS=1;a34002-RS=1",
});
const RESPONSE = buildDataResponse(parsePacket(RUNNING_STATE));

async function startIngest(): Promise<{ ingest: Ingest; got: Collected }> {
  const bus: Bus = createMemoryBus();
  await bus.start();
  cleanups.push(() => bus.stop());
  const got = await collect(bus);
  const ingest = createIngest(
    {
      mqtt: { embeddedPort: 0, embeddedHost: "127.0.0.1" },
      hj212: { tcpPort: await freePort(), tcpHost: "127.0.0.1" },
    },
    { bus, registry, clock, logger, metricsRegistry: new Registry() },
  );
  await ingest.start();
  cleanups.push(() => ingest.stop());
  return { ingest, got };
}

function expectNotStoredDeadLetter(got: Collected, source: string): void {
  expect(got.readings).toEqual([]);
  expect(got.deadLetters).toHaveLength(1);
  expect(got.deadLetters[0]?.value).toMatchObject({
    source,
    stationId: "ld-aq-01",
    code: "hj212.not_stored",
    path: "CN",
    message:
      "hj212.not_stored: CN 2021 device running-state data of station ld-aq-01 is not stored as readings; kept as this dead letter",
    payload: RUNNING_STATE,
  });
}

describe("HJ 212 data uploads not stored as readings (CN 2021)", () => {
  it("over TCP: a CN 2021 packet with Flag=5 gets a 9014 echoing its QN and becomes an hj212.not_stored dead letter", async () => {
    const { ingest, got } = await startIngest();
    const socket = connect(ingest.tcpPort as number, "127.0.0.1");
    cleanups.push(async () => {
      socket.destroy();
    });
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("utf8");
    });
    socket.write(RUNNING_STATE);
    await waitFor(() => received.length >= RESPONSE.length, { what: "the 9014 reply" });
    expect(received).toBe(RESPONSE);
    expect(parsePacket(received)).toMatchObject({
      qn: "20261128103005321",
      st: "91",
      cn: "9014",
      mn: AIR_MN,
    });
    // The reply goes out only after the dead letter was handed on.
    expectNotStoredDeadLetter(got, "hj212-tcp");
  });

  it("over MQTT hj212/{MN} (embedded broker): the same packet gets the 9014 on hj212/{MN}/reply and the same dead letter", async () => {
    const { ingest, got } = await startIngest();
    const client = await connectAsync(ingest.brokerUrl as string, {
      clientId: "not-stored-test",
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    cleanups.push(() => client.endAsync(true));
    const replies: string[] = [];
    client.on("message", (topic, payload) => {
      if (topic === `hj212/${AIR_MN}/reply`) replies.push(payload.toString("utf8"));
    });
    await client.subscribeAsync(`hj212/${AIR_MN}/reply`, { qos: 1 });
    await client.publishAsync(`hj212/${AIR_MN}`, RUNNING_STATE, { qos: 1 });
    await waitFor(() => replies.length >= 1, { what: "the 9014 reply" });
    expect(replies).toEqual([RESPONSE]);
    await waitFor(() => got.deadLetters.length >= 1, { what: "the dead letter" });
    expectNotStoredDeadLetter(got, "mqtt");
  });
});
