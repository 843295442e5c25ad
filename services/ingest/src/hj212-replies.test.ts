import { buildPacket } from "@qingshan/hj212";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { type Collected, PACKET_B, PACKET_B_RESPONSE, WATER_MN } from "./testdata/fixtures.ts";
import { mqttStation, startIngestBothWays, tcpStation } from "./testdata/hj212-reply-rig.ts";

// One reply rule for TCP and MQTT (hj212.md §3): a 9014 data response answers only a data upload
// whose Flag asks for one; a packet rejected for a field error — including a command that is not
// a data upload, such as CN 1011 — is dead-lettered and not answered.

const cleanups = cleanupsAfterEach();

/** Station ld-wq-02 uploading its field-machine time (CN 1011), Flag=5: answer requested. */
const TIME_UPLOAD = buildPacket({
  qn: "20261128100000001",
  st: "21",
  cn: "1011",
  pw: "123456",
  mn: WATER_MN,
  flag: 5,
  cp: "SystemTime=20261128100000",
});
/** A data upload of ld-wq-02 without DataTime, Flag=5. */
const NO_DATA_TIME = buildPacket({
  qn: "20261128100000002",
  st: "21",
  cn: "2061",
  pw: "123456",
  mn: WATER_MN,
  flag: 5,
  cp: "w01001-Avg=7.24,w01001-Flag=N",
});

function expectFieldDeadLetters(got: Collected): void {
  expect(got.deadLetters.map((d) => [d.value.code, d.value.path, d.value.stationId])).toEqual([
    ["hj212.field", "CN", "ld-wq-02"],
    ["hj212.field", "CP.DataTime", "ld-wq-02"],
  ]);
}

describe("HJ 212 replies (hj212.md §3)", () => {
  it("over TCP: a CN 1011 packet and a data upload without DataTime (Flag=5) get no reply; the next data upload does", async () => {
    const { ingest, got } = await startIngestBothWays(cleanups);
    const { socket, received } = tcpStation(ingest, cleanups);
    socket.write(TIME_UPLOAD + NO_DATA_TIME + PACKET_B);
    // Packets of a connection are answered in order: once B's reply is in, the others were done.
    await waitFor(() => received().length >= PACKET_B_RESPONSE.length, { what: "a reply" });
    expect(received()).toBe(PACKET_B_RESPONSE);
    expectFieldDeadLetters(got);
    expect(got.readings).toHaveLength(9);
  });

  it("over MQTT: the same packets get the same replies on hj212/{MN}/reply", async () => {
    const { ingest, got } = await startIngestBothWays(cleanups);
    const { client, replies } = await mqttStation(ingest, WATER_MN, "replies-test", cleanups);
    await client.publishAsync(`hj212/${WATER_MN}`, TIME_UPLOAD, { qos: 1 });
    await client.publishAsync(`hj212/${WATER_MN}`, NO_DATA_TIME, { qos: 1 });
    await client.publishAsync(`hj212/${WATER_MN}`, PACKET_B, { qos: 1 });
    await waitFor(() => replies.length >= 1, { what: "a reply" });
    // The replies are published in order; give a stray reply to the earlier packets time to show.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(replies).toEqual([PACKET_B_RESPONSE]);
    expectFieldDeadLetters(got);
  });
});
