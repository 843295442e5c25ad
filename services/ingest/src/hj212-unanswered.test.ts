import { buildPacket } from "@qingshan/hj212";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { PACKET_B, PACKET_B_RESPONSE, WATER_MN } from "./testdata/fixtures.ts";
import { mqttStation, startIngestBothWays, tcpStation } from "./testdata/hj212-reply-rig.ts";

// Data uploads asking for an answer (Flag=5) that get none, and why: an MN no station has (after a
// 9014 the data logger deletes its data, so registering the MN later could not recover them), and
// an upload without the QN a 9014 must echo (hj212.md §1.1, §3) — made visible by a dead letter.

const cleanups = cleanupsAfterEach();

/** Packet B's hourly data from an MN: Flag=5 (answer requested), QN unless `qn` is undefined. */
function upload(mn: string, qn: string | undefined): string {
  return buildPacket({
    ...(qn === undefined ? {} : { qn }),
    st: "21",
    cn: "2061",
    pw: "123456",
    mn,
    flag: 5,
    cp: "DataTime=20261128090000;w01001-Avg=7.24,w01001-Flag=N;w01009-Avg=6.71,w01009-Flag=N",
  });
}

const STRANGER = "LDWQ0000000000000000009Z";
const LOWERCASE = WATER_MN.toLowerCase();

describe("an HJ 212 data upload from an MN no station has", () => {
  it("over TCP is dead-lettered and not answered, so the logger keeps it and resends; a lowercase MN names the station it resembles", async () => {
    const { ingest, got } = await startIngestBothWays(cleanups);
    const { socket, received } = tcpStation(ingest, cleanups);
    socket.write(upload(STRANGER, "20261128100000001") + upload(LOWERCASE, "20261128100000002") + PACKET_B);
    // Packets of a connection are answered in order: once B's reply is in, the others were done.
    await waitFor(() => received().length >= PACKET_B_RESPONSE.length, { what: "a reply" });
    // Before: a 9014 for each of the two unknown MNs came first.
    expect(received()).toBe(PACKET_B_RESPONSE);
    expect(got.deadLetters.map((d) => d.value.message)).toEqual([
      `station.unknown: "MN" is "${STRANGER}", expected the HJ 212 MN of a registered station; not answered, so that the station keeps the data and resends them until its MN is registered`,
      `station.unknown: "MN" is "${LOWERCASE}", expected the HJ 212 MN of a registered station (station ld-wq-02 has MN ${WATER_MN}: MNs are compared exactly); not answered, so that the station keeps the data and resends them until its MN is registered`,
    ]);
  });

  it("over MQTT gets no reply on hj212/{MN}/reply either", async () => {
    const { ingest, got } = await startIngestBothWays(cleanups);
    const stranger = await mqttStation(ingest, STRANGER, "unanswered-stranger", cleanups);
    const known = await mqttStation(ingest, WATER_MN, "unanswered-known", cleanups);
    await stranger.client.publishAsync(`hj212/${STRANGER}`, upload(STRANGER, "20261128100000001"), {
      qos: 1,
    });
    await waitFor(() => got.deadLetters.length === 1, { what: "the dead letter" });
    await known.client.publishAsync(`hj212/${WATER_MN}`, PACKET_B, { qos: 1 });
    await waitFor(() => known.replies.length === 1, { what: "the reply to B" });
    expect(stranger.replies).toEqual([]);
    expect(got.deadLetters[0]?.value).toMatchObject({ code: "station.unknown", path: "MN" });
  });
});

describe("an HJ 212 data upload asking for an answer without a QN", () => {
  it("over TCP is stored, not answered, and dead-lettered hj212.field at QN saying why", async () => {
    const { ingest, got } = await startIngestBothWays(cleanups);
    const { socket, received } = tcpStation(ingest, cleanups);
    socket.write(upload(WATER_MN, undefined) + PACKET_B);
    await waitFor(() => received().length >= PACKET_B_RESPONSE.length, { what: "a reply" });
    expect(received()).toBe(PACKET_B_RESPONSE);
    // Its 2 readings and B's 9 (the idempotent store keeps one per station, metric and time).
    expect(got.readings).toHaveLength(11);
    // Before: no dead letter at all; the station resends for ever and nobody is told.
    expect(
      got.deadLetters.map((d) => [d.value.code, d.value.path, d.value.stationId, d.value.message]),
    ).toEqual([
      [
        "hj212.field",
        "QN",
        "ld-wq-02",
        "hj212.field: data upload CN 2061 asks for an answer (Flag=5, A=1) but has no QN: the 9014 data response echoes the QN of the packet it answers (hj212.md §1.1, §3), so none was sent and the station will resend it; its readings were handled as usual (stored unless dead-lettered for their own reason). Expected a QN (YYYYMMDDhhmmsszzz) in a packet whose Flag asks for an answer",
      ],
    ]);
  });
});
