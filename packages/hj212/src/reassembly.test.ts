import { describe, expect, it } from "vitest";
import { buildPacket, type Hj212Packet, parsePacket } from "./packet.ts";
import { joinSplitMessage, SplitReassembler } from "./reassembly.ts";
import { PACKET_A } from "./testdata/examples.ts";

const MN = "LDAQ0000000000000000001A";
const QN = "20261128103005123";
/** Example A's CP (hj212.md §7 A) cut at group boundaries into three packets. */
const CP_PARTS = [
  "DataTime=20261128103000;a34004-Rtd=35,a34004-Flag=N;a34002-Rtd=62,a34002-Flag=N",
  "a21026-Rtd=8,a21026-Flag=N;a21004-Rtd=41,a21004-Flag=N",
  "a21005-Rtd=0.8,a21005-Flag=N;a05024-Rtd=96,a05024-Flag=N",
];

function part(
  pno: number,
  over: { pnum?: number; cn?: string; qn?: string; flag?: number; cp?: string } = {},
): Hj212Packet {
  return parsePacket(
    buildPacket({
      qn: over.qn ?? QN,
      st: "22",
      cn: over.cn ?? "2011",
      pw: "123456",
      mn: MN,
      flag: over.flag ?? 6,
      pnum: over.pnum ?? 3,
      pno,
      cp: over.cp ?? (CP_PARTS[pno - 1] as string),
    }),
  );
}

describe("SplitReassembler", () => {
  it("joins three packets received out of order into example A's CP", () => {
    const r = new SplitReassembler<string>({ timeoutMs: 60_000 });
    expect(r.add(part(3), "c", 1000)).toEqual({ kind: "pending" });
    expect(r.add(part(1), "a", 1001)).toEqual({ kind: "pending" });
    expect(r.pending).toBe(1);
    const done = r.add(part(2), "b", 1002);
    expect(done.kind).toBe("complete");
    if (done.kind !== "complete") return;
    const whole = parsePacket(PACKET_A);
    expect(done.packet.cp).toEqual(whole.cp);
    expect(done.packet.dataTime).toBe("20261128103000");
    expect(done.packet.flag).toEqual({ value: 4, needAck: false, split: false, version: 1 });
    expect(done.packet).not.toHaveProperty("pno");
    expect(done.parts.map((p) => p.tag)).toEqual(["a", "b", "c"]);
    expect(done.packet.raw).toBe(done.parts.map((p) => p.packet.raw).join(""));
    expect(r.pending).toBe(0);
    expect(r.nextExpiry()).toBeUndefined();
  });

  it("holds a resent part once and hands its tag back with the message", () => {
    const r = new SplitReassembler<string>({ timeoutMs: 60_000 });
    r.add(part(1), "a", 0);
    expect(r.add(part(1), "a-again", 1)).toEqual({ kind: "duplicate" });
    r.add(part(2), "b", 2);
    const done = r.add(part(3), "c", 3);
    if (done.kind !== "complete") throw new Error(done.kind);
    expect(done.parts.map((p) => p.tag)).toEqual(["a", "b", "c", "a-again"]);
    // Each value once: the duplicate added nothing.
    expect(Object.keys(done.packet.cp.groups)).toHaveLength(6);
  });

  it("sets A on the message when any part asks for an answer", () => {
    const r = new SplitReassembler<number>({ timeoutMs: 1000 });
    r.add(part(1), 1, 0);
    r.add(part(2), 2, 0);
    const done = r.add(part(3, { flag: 7 }), 3, 0);
    if (done.kind !== "complete") throw new Error(done.kind);
    expect(done.packet.flag).toEqual({ value: 5, needAck: true, split: false, version: 1 });
  });

  it("keeps one DataTime repeated with the same value, rejects parts that disagree", () => {
    const same = joinSplitMessage([part(1), part(2, { cp: `DataTime=20261128103000;${CP_PARTS[1]}` })]);
    expect(same.cp.dataTime).toBe("20261128103000");
    expect(Object.keys(same.cp.groups)).toEqual(["a34004", "a34002", "a21026", "a21004"]);
    const r = new SplitReassembler<number>({ timeoutMs: 1000 });
    r.add(part(1, { pnum: 2 }), 1, 0);
    const done = r.add(part(2, { pnum: 2, cp: `DataTime=20261128104000;${CP_PARTS[1]}` }), 2, 0);
    expect(done.kind).toBe("rejected");
    if (done.kind !== "rejected") return;
    expect(done.error.message).toContain("packet 2 has DataTime 20261128104000, packet 1 has 20261128103000");
    expect(done.parts.map((p) => p.tag)).toEqual([1, 2]);
  });

  it("rejects a CP key repeated across parts", () => {
    const r = new SplitReassembler<number>({ timeoutMs: 1000 });
    r.add(part(1, { pnum: 2 }), 1, 0);
    const done = r.add(part(2, { pnum: 2, cp: "a34004-Rtd=36" }), 2, 0);
    if (done.kind !== "rejected") throw new Error(done.kind);
    expect(done.error.message).toMatch(
      /split message MN=.* CP key a34004-Rtd is repeated across its packets/,
    );
  });

  it("rejects every part of a message whose parts disagree on PNUM or CN", () => {
    const r = new SplitReassembler<number>({ timeoutMs: 1000 });
    r.add(part(1), 1, 0);
    r.add(part(2), 2, 0);
    const pnum = r.add(part(3, { pnum: 4 }), 3, 0);
    if (pnum.kind !== "rejected") throw new Error(pnum.kind);
    expect(pnum.error.path).toBe("PNUM");
    expect(pnum.error.message).toContain(
      `split message MN=${MN} QN=${QN} inconsistent: packet 3 has PNUM=4, packets 1, 2 PNUM=3`,
    );
    expect(pnum.parts.map((p) => p.tag)).toEqual([1, 2, 3]);
    expect(r.pending).toBe(0);

    r.add(part(1), 1, 0);
    const cn = r.add(part(2, { cn: "2051" }), 2, 0);
    if (cn.kind !== "rejected") throw new Error(cn.kind);
    expect(cn.error.path).toBe("CN");
    expect(cn.error.message).toContain("packet 2 has CN=2051, packet 1 CN=2011");
  });

  it("rejects a part resent with other content, keeping the first", () => {
    const r = new SplitReassembler<number>({ timeoutMs: 1000 });
    r.add(part(1, { pnum: 2 }), 1, 0);
    const other = r.add(part(1, { pnum: 2, cp: "DataTime=20261128103000;a34004-Rtd=99" }), 9, 0);
    if (other.kind !== "rejected") throw new Error(other.kind);
    expect(other.parts.map((p) => p.tag)).toEqual([9]);
    const done = r.add(part(2, { pnum: 2 }), 2, 0);
    if (done.kind !== "complete") throw new Error(done.kind);
    expect(done.packet.cp.groups.a34004).toEqual({ Rtd: "35", Flag: "N" });
  });

  it("rejects a split packet without QN", () => {
    const r = new SplitReassembler<number>({ timeoutMs: 1000 });
    const p = part(1);
    delete p.qn;
    const out = r.add(p, 1, 0);
    if (out.kind !== "rejected") throw new Error(out.kind);
    expect(out.error.path).toBe("QN");
    expect(r.pending).toBe(0);
  });

  it("keeps messages of other QNs apart", () => {
    const r = new SplitReassembler<number>({ timeoutMs: 1000 });
    r.add(part(1, { pnum: 2 }), 1, 0);
    expect(r.add(part(2, { pnum: 2, qn: "20261128103005999" }), 2, 0)).toEqual({ kind: "pending" });
    expect(r.pending).toBe(2);
  });

  it("expires a message timeoutMs after its first part, naming the packets received", () => {
    const r = new SplitReassembler<number>({ timeoutMs: 60_000 });
    r.add(part(1, { pnum: 4 }), 1, 10_000);
    r.add(part(3, { pnum: 4 }), 3, 20_000);
    expect(r.nextExpiry()).toBe(70_000);
    expect(r.expire(69_999)).toEqual([]);
    const [gone, ...rest] = r.expire(70_000);
    expect(rest).toEqual([]);
    expect(gone?.error.message).toBe(
      `bad-field: split message MN=${MN} QN=${QN} incomplete: packets 1, 3 of 4 received within 60 s`,
    );
    expect(gone?.parts.map((p) => p.tag)).toEqual([1, 3]);
    expect(r.pending).toBe(0);
    // A part after expiry starts a new message.
    expect(r.add(part(2, { pnum: 4 }), 2, 70_001)).toEqual({ kind: "pending" });
  });

  it("drains every held message", () => {
    const r = new SplitReassembler<number>({ timeoutMs: 60_000 });
    r.add(part(2), 2, 0);
    r.add(part(1, { qn: "20261128103005999" }), 1, 0);
    const drained = r.drain("before ingest stopped");
    expect(drained.map((d) => d.error.message.replace(/^bad-field: /, ""))).toEqual([
      `split message MN=${MN} QN=${QN} incomplete: packet 2 of 3 received before ingest stopped`,
      `split message MN=${MN} QN=20261128103005999 incomplete: packet 1 of 3 received before ingest stopped`,
    ]);
    expect(r.pending).toBe(0);
  });

  it("gives the oldest message up at once when one more than maxPending would be held", () => {
    const r = new SplitReassembler<string>({
      timeoutMs: 60_000,
      maxPending: 2,
      settingNames: { maxPending: "hj212.maxPendingSplitMessages" },
    });
    const qn = (i: number) => `2026112810300500${i}`;
    expect(r.add(part(1, { qn: qn(1) }), "1a", 0)).toEqual({ kind: "pending" });
    expect(r.add(part(3, { qn: qn(1) }), "1c", 1)).toEqual({ kind: "pending" });
    expect(r.add(part(1, { qn: qn(2) }), "2a", 2)).toEqual({ kind: "pending" });
    // A later part of a held message is no new message: nothing is given up.
    expect(r.add(part(2, { qn: qn(2) }), "2b", 3)).toEqual({ kind: "pending" });
    const third = r.add(part(1, { qn: qn(3) }), "3a", 4);
    if (third.kind !== "pending") throw new Error(third.kind);
    expect(third.evicted?.map((m) => [m.qn, m.error.message, m.parts.map((p) => p.tag)])).toEqual([
      [
        qn(1),
        `bad-field: split message MN=${MN} QN=${qn(1)} dropped incomplete: packets 1, 3 of 3 received; more than 2 split messages pending (hj212.maxPendingSplitMessages)`,
        ["1a", "1c"],
      ],
    ]);
    expect(r.pending).toBe(2);
    // The oldest is now QN 2; it still completes; a part of QN 1 starts it anew (evicting QN 3).
    expect(r.add(part(3, { qn: qn(2) }), "2c", 5)).toMatchObject({ kind: "complete" });
    expect(r.add(part(2, { qn: qn(1) }), "1b", 6)).toEqual({ kind: "pending" });
    expect(r.add(part(1, { qn: qn(4) }), "4a", 7)).toMatchObject({
      kind: "pending",
      evicted: [{ qn: qn(3) }],
    });
    expect(r.nextExpiry()).toBe(60_006);
  });

  it("keeps the characters held within maxPendingBytes, resends included", () => {
    const size = part(1).raw.length;
    const r = new SplitReassembler<string>({ timeoutMs: 60_000, maxPendingBytes: size * 3 });
    r.add(part(1, { qn: "20261128103005001" }), "1a", 0);
    r.add(part(1, { qn: "20261128103005002" }), "2a", 1);
    r.add(part(1, { qn: "20261128103005003" }), "3a", 2);
    expect(r.pendingBytes).toBe(size * 3);
    // A resend is held too (it is settled with its message): it counts, and the oldest other goes.
    const resend = r.add(part(1, { qn: "20261128103005003" }), "3a-again", 3);
    expect(resend).toMatchObject({ kind: "duplicate", evicted: [{ qn: "20261128103005001" }] });
    if (resend.kind !== "duplicate") return;
    expect(resend.evicted?.[0]?.error.message).toContain(
      `more than ${size * 3} bytes of split messages held`,
    );
    expect(r.pending).toBe(2);
    expect(r.pendingBytes).toBe(size * 3);
  });

  it("rejects a message that alone exceeds maxPendingBytes", () => {
    const size = part(1).raw.length;
    const r = new SplitReassembler<string>({ timeoutMs: 60_000, maxPendingBytes: size * 2 });
    r.add(part(1, { qn: "20261128103005001", pnum: 9 }), "other", 0);
    r.add(part(1, { pnum: 4 }), "a", 1);
    // The other message is given up first (the newest message still fits alone).
    expect(r.add(part(1, { pnum: 4 }), "a-again", 2)).toMatchObject({
      kind: "duplicate",
      evicted: [{ qn: "20261128103005001" }],
    });
    const over = r.add(part(1, { pnum: 4 }), "a-third", 3);
    if (over.kind !== "rejected") throw new Error(over.kind);
    expect(over.error.message).toMatch(
      new RegExp(
        `split message MN=${MN} QN=${QN} dropped incomplete: packet 1 of 4 received so far, more than the ${size * 2} bytes`,
      ),
    );
    expect(over.parts.map((p) => p.tag)).toEqual(["a", "a-again", "a-third"]);
    expect(r.pending).toBe(0);
    expect(r.pendingBytes).toBe(0);
  });

  it("refuses bounds below 1", () => {
    expect(() => new SplitReassembler({ timeoutMs: 1, maxPending: 0 })).toThrow(RangeError);
  });

  it("returns a packet without the D bit whole", () => {
    const r = new SplitReassembler<number>({ timeoutMs: 1000 });
    const a = parsePacket(PACKET_A);
    expect(r.add(a, 1, 0)).toMatchObject({ kind: "complete", packet: a });
  });
});
