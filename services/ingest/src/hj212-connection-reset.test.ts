import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { PACKET_B } from "./testdata/fixtures.ts";
import { startIngestBothWays, tcpStation } from "./testdata/hj212-reply-rig.ts";

// A data logger on a cellular link often loses its connection with a reset, not a FIN: what it
// had sent of a packet must still be dead-lettered (hj212.md §8 rule 2: keep the raw bytes).

const cleanups = cleanupsAfterEach();

describe("HJ 212 over TCP: a connection reset", () => {
  it("dead-letters the packet cut short and the garbage before it, as a closed connection does", async () => {
    const { ingest, got } = await startIngestBothWays(cleanups);
    const { socket } = tcpStation(ingest, cleanups);
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    const part = PACKET_B.slice(0, 60);
    socket.write(`AT+CIPSEND\r\n${part}`);
    // Once the reset arrives the listener can only report what it already holds: wait for the
    // bytes to be read (the garbage run is reported as soon as the packet's ## ends it).
    await waitFor(() => got.deadLetters.length >= 1, { what: "the garbage run's dead letter" });
    socket.resetAndDestroy();
    await waitFor(() => got.deadLetters.length >= 2, { what: "the cut-short packet's dead letter" });
    expect(got.deadLetters.map((d) => [d.value.code, d.value.path, d.value.payload])).toEqual([
      ["hj212.framing", "header", "AT+CIPSEND\r\n"],
      ["hj212.framing", "tail", part],
    ]);
    expect(got.deadLetters[1]?.value.message).toBe(
      "hj212.framing: missing-tail: connection closed after 60 bytes of a packet",
    );
    expect(got.readings).toHaveLength(0);
  });
});
