import { buildDataResponse, buildPacket, parsePacket } from "@qingshan/hj212";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { AIR_MN, type Collected } from "./testdata/fixtures.ts";
import { mqttStation, startIngestBothWays, tcpStation } from "./testdata/hj212-reply-rig.ts";

// hj212.md §3: every data upload (20xx) with A=1 is answered with a 9014 echoing its QN, or the
// station resends it. CN 2021 (device running state) carries no pollutant values: Qingshan keeps it
// as an hj212.not_stored dead letter of the station and answers it.

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
    const { ingest, got } = await startIngestBothWays(cleanups);
    const { socket, received } = tcpStation(ingest, cleanups);
    socket.write(RUNNING_STATE);
    await waitFor(() => received().length >= RESPONSE.length, { what: "the 9014 reply" });
    expect(received()).toBe(RESPONSE);
    expect(parsePacket(received())).toMatchObject({
      qn: "20261128103005321",
      st: "91",
      cn: "9014",
      mn: AIR_MN,
    });
    // The reply goes out only after the dead letter was handed on.
    expectNotStoredDeadLetter(got, "hj212-tcp");
  });

  it("over MQTT hj212/{MN} (embedded broker): the same packet gets the 9014 on hj212/{MN}/reply and the same dead letter", async () => {
    const { ingest, got } = await startIngestBothWays(cleanups);
    const { client, replies } = await mqttStation(ingest, AIR_MN, "not-stored-test", cleanups);
    await client.publishAsync(`hj212/${AIR_MN}`, RUNNING_STATE, { qos: 1 });
    await waitFor(() => replies.length >= 1, { what: "the 9014 reply" });
    expect(replies).toEqual([RESPONSE]);
    await waitFor(() => got.deadLetters.length >= 1, { what: "the dead letter" });
    expectNotStoredDeadLetter(got, "mqtt");
  });
});
