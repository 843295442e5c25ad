import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { PACKET_A, PACKET_B, PACKET_B_RESPONSE } from "./testdata/fixtures.ts";
import { startIngestBothWays, tcpStation } from "./testdata/hj212-reply-rig.ts";

// hj212.md §2: many devices compute CRC-16/MODBUS instead of the standard's Appendix A. Their
// packets are refused (and not answered); the dead letter must tell the vendor which mistake it is.

const cleanups = cleanupsAfterEach();

/** Example A of hj212.md §7 with the CRC-16/MODBUS of its data segment (38FC) instead of EB01. */
const PACKET_A_MODBUS = PACKET_A.replace("EB01\r\n", "38FC\r\n");

describe("HJ 212 over TCP: a packet with a CRC-16/MODBUS checksum", () => {
  it("is dead-lettered, not answered, with a reason naming MODBUS; the next packet goes through", async () => {
    const { ingest, got } = await startIngestBothWays(cleanups);
    const { socket, received } = tcpStation(ingest, cleanups);
    socket.write(PACKET_A_MODBUS + PACKET_B);
    await waitFor(() => received().length >= PACKET_B_RESPONSE.length, { what: "the reply to packet B" });
    expect(received()).toBe(PACKET_B_RESPONSE);
    expect(got.deadLetters.map((d) => [d.value.code, d.value.path, d.value.stationId])).toEqual([
      ["hj212.crc", "CRC", "ld-aq-01"],
    ]);
    expect(got.deadLetters[0]?.value.message).toBe(
      "hj212.crc: crc-mismatch: expected EB01, got 38FC (38FC is the CRC-16/MODBUS of the data segment, not the CRC of HJ 212-2017 Appendix A (which shifts the register before each byte: hj212.md §2)) (station ld-aq-01 named by the MN of this unverified packet)",
    );
    expect(got.readings).toHaveLength(9);
  });
});
