import { crc16, formatCrc } from "@qingshan/hj212";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { AIR_MN, PACKET_A } from "./testdata/fixtures.ts";
import { startIngestBothWays, tcpStation } from "./testdata/hj212-reply-rig.ts";

// hj212.md §1.2: the Flag's version bits name the edition. A 2017 data logger configured with
// Flag=1 (version bits 000000, HJ/T 212-2005) has its 24-character MN refused under the 2005 rules;
// its vendor must be told that the Flag, not the MN, is what to change.

const cleanups = cleanupsAfterEach();

/** Packet A of hj212.md §7 with `Flag=<flag>` and its CRC and length computed again. */
function packetAWithFlag(flag: number): string {
  const segment = PACKET_A.slice(6, -6).replace("Flag=4;", `Flag=${flag};`);
  return `##${String(Buffer.byteLength(segment)).padStart(4, "0")}${segment}${formatCrc(crc16(segment))}\r\n`;
}

describe("HJ 212 over TCP: a packet whose Flag names HJ/T 212-2005", () => {
  it("dead-letters a 24-character MN naming the Flag's version bits as the reason, and takes the packet with Flag=5", async () => {
    const { ingest, got } = await startIngestBothWays(cleanups);
    const { socket, received } = tcpStation(ingest, cleanups);
    socket.write(packetAWithFlag(1) + packetAWithFlag(5));
    await waitFor(() => received().includes("CN=9014"), { what: "the reply to the Flag=5 packet" });
    expect(got.deadLetters.map((d) => [d.value.code, d.value.path, d.value.stationId])).toEqual([
      ["hj212.field", "MN", "ld-aq-01"],
    ]);
    expect(got.deadLetters[0]?.value.message).toBe(
      `hj212.field: bad-field: MN "${AIR_MN}" is not 1…14 printable characters (HJ/T 212-2005: Flag=1 has protocol version bits 000000; HJ 212-2017 sets 000001 (Flag=4, or 5 to ask for a reply))`,
    );
    expect(got.readings).toHaveLength(6);
  });
});
