import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { PACKET_A, PACKET_B, PACKET_B_RESPONSE } from "./testdata/fixtures.ts";
import { startIngestBothWays, tcpStation } from "./testdata/hj212-reply-rig.ts";

// hj212.md §1: a packet is ## + length of the data segment + data segment + CRC + CR LF. Two
// usual device mistakes — a line feed alone as the tail, a length counting the CRC and tail — must
// be named in the dead letter, whose text cannot show a missing CR.

const cleanups = cleanupsAfterEach();

describe("HJ 212 over TCP: framing mistakes of a data logger", () => {
  it("names a tail of LF alone and a length counting CRC and tail; the packet after them is answered", async () => {
    const { ingest, got } = await startIngestBothWays(cleanups);
    const { socket, received } = tcpStation(ingest, cleanups);
    socket.write(`${PACKET_A.slice(0, -2)}\n##0284${PACKET_A.slice(6)}${PACKET_B}`);
    await waitFor(() => received().length >= PACKET_B_RESPONSE.length, { what: "the reply to packet B" });
    expect(received()).toBe(PACKET_B_RESPONSE);
    expect(got.deadLetters.map((d) => d.value.message)).toEqual([
      'hj212.framing: missing-tail: no "\\r\\n" after the CRC: the packet ends with LF (\\n) alone; the tail is CR LF (hj212.md §1)',
      "hj212.framing: length-mismatch: length says 0284, but the data segment before CRC and tail is 278 (the length counts the CRC and the tail (6 bytes) too; it counts the data segment only, hj212.md §1)",
    ]);
    expect(got.readings).toHaveLength(9);
  });

  it("names a tail of LF alone on the last packet of a connection", async () => {
    const { ingest, got } = await startIngestBothWays(cleanups);
    const { socket } = tcpStation(ingest, cleanups);
    socket.end(`${PACKET_B.slice(0, -2)}\n`);
    await waitFor(() => got.deadLetters.length >= 1, { what: "the dead letter" });
    expect(got.deadLetters[0]?.value.message).toBe(
      "hj212.framing: missing-tail: connection closed after 454 bytes of a packet: the packet ends with LF (\\n) alone; the tail is CR LF (hj212.md §1)",
    );
  });
});
