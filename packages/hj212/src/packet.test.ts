import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc16, formatCrc } from "./crc.ts";
import { Hj212Error, type Hj212ErrorCode } from "./errors.ts";
import { buildDataResponse, buildPacket, parsePacket, unverifiedMn } from "./packet.ts";
import {
  PACKET_A,
  PACKET_B,
  PACKET_B_RESPONSE,
  PACKET_C,
  STANDARD_EXAMPLE,
  segmentOf,
} from "./testdata/examples.ts";

/** Frames a data segment with a correct length and CRC. */
function frame(segment: string): string {
  return `##${String(segment.length).padStart(4, "0")}${segment}${formatCrc(crc16(segment))}\r\n`;
}

function errorOf(fn: () => unknown): Hj212Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Hj212Error) return error;
    throw error;
  }
  throw new Error("expected an Hj212Error");
}

describe("parsePacket — examples of hj212.md", () => {
  it("parses the standard's example", () => {
    const p = parsePacket(STANDARD_EXAMPLE);
    expect(p).toEqual({
      raw: STANDARD_EXAMPLE,
      qn: "20160801085857223",
      st: "32",
      cn: "1062",
      pw: "100000",
      mn: "010000A8900016F000169DC0",
      flag: { value: 5, needAck: true, split: false, version: 1 },
      extra: {},
      cp: { groups: {}, other: { RtdInterval: "30" } },
    });
  });

  it("parses example A with every field", () => {
    const p = parsePacket(PACKET_A);
    expect(p).toEqual({
      raw: PACKET_A,
      qn: "20261128103005123",
      st: "22",
      cn: "2011",
      pw: "123456",
      mn: "LDAQ0000000000000000001A",
      flag: { value: 4, needAck: false, split: false, version: 1 },
      extra: {},
      dataTime: "20261128103000",
      cp: {
        dataTime: "20261128103000",
        groups: {
          a34004: { Rtd: "35", Flag: "N" },
          a34002: { Rtd: "62", Flag: "N" },
          a21026: { Rtd: "8", Flag: "N" },
          a21004: { Rtd: "41", Flag: "N" },
          a21005: { Rtd: "0.8", Flag: "N" },
          a05024: { Rtd: "96", Flag: "N" },
        },
        other: {},
      },
    });
  });

  it("parses example B with every field", () => {
    const p = parsePacket(PACKET_B);
    expect(p.qn).toBe("20261128100012456");
    expect([p.st, p.cn, p.pw, p.mn]).toEqual(["21", "2061", "123456", "LDWQ0000000000000000002B"]);
    expect(p.flag).toEqual({ value: 5, needAck: true, split: false, version: 1 });
    expect(p.dataTime).toBe("20261128090000");
    expect(p.cp.groups).toEqual({
      w01001: { Min: "7.18", Avg: "7.24", Max: "7.31", Flag: "N" },
      w01009: { Min: "6.52", Avg: "6.71", Max: "6.90", Flag: "N" },
      w01019: { Avg: "2.9", Flag: "N" },
      w21003: { Avg: "0.31", Flag: "N" },
      w21011: { Avg: "0.074", Flag: "N" },
      w21001: { Avg: "1.48", Flag: "N" },
      w01014: { Avg: "236", Flag: "N" },
      w01003: { Avg: "11.2", Flag: "N" },
      w01010: { Avg: "14.6", Flag: "N" },
    });
    expect(p.cp.other).toEqual({});
    expect(p.pnum).toBeUndefined();
  });

  it("answers B with the 9014 response of hj212.md §7, byte for byte", () => {
    expect(buildDataResponse(parsePacket(PACKET_B))).toBe(PACKET_B_RESPONSE);
    const reply = parsePacket(PACKET_B_RESPONSE);
    expect([reply.st, reply.cn, reply.flag.value, reply.cp]).toEqual([
      "91",
      "9014",
      4,
      { groups: {}, other: {} },
    ]);
  });

  it("rejects example C: crc-mismatch, expected EB01, got ABCD", () => {
    const error = errorOf(() => parsePacket(PACKET_C));
    expect(error.code).toBe("crc-mismatch");
    expect(error.message).toBe("crc-mismatch: expected EB01, got ABCD");
    expect([error.path, error.received, error.expected]).toEqual(["CRC", "ABCD", "EB01"]);
  });

  it("accepts a lowercase CRC", () => {
    const lower = `${PACKET_B.slice(0, -6)}09c0\r\n`;
    expect(parsePacket(lower).cn).toBe("2061");
  });
});

describe("parsePacket — framing errors (hj212.md §8.2)", () => {
  const a = PACKET_A;
  const cases: Array<[string, string, Hj212ErrorCode, string]> = [
    ["no header", a.slice(2), "missing-header", 'missing-header: packet starts with "0278QN=202", not "##"'],
    ["one #", a.slice(1), "missing-header", 'missing-header: packet starts with "#0278QN=20", not "##"'],
    ["empty text", "", "missing-header", 'missing-header: packet starts with "", not "##"'],
    [
      "non-digit length",
      `##02x8${a.slice(6)}`,
      "bad-length",
      'bad-length: length "02x8" is not 4 decimal digits',
    ],
    ["short length", "##12", "bad-length", 'bad-length: length "12" is not 4 decimal digits'],
    [
      "length > 1024",
      `##1025${a.slice(6)}`,
      "length-too-large",
      "length-too-large: length 1025 exceeds 1024",
    ],
    [
      "length too small",
      `##0277${a.slice(6)}`,
      "length-mismatch",
      "length-mismatch: length says 0277, but the data segment before CRC and tail is 278",
    ],
    [
      "length too large",
      `##0279${a.slice(6)}`,
      "length-mismatch",
      "length-mismatch: length says 0279, but the data segment before CRC and tail is 278",
    ],
    ["bytes after the tail", `${a}x`, "length-mismatch", "length-mismatch: 1 bytes after the tail"],
    ["no tail", a.slice(0, -2), "missing-tail", 'missing-tail: no "\\r\\n" after the CRC'],
    [
      "LF only",
      `${a.slice(0, -2)}\n`,
      "missing-tail",
      'missing-tail: no "\\r\\n" after the CRC: the packet ends with LF (\\n) alone; the tail is CR LF (hj212.md §1)',
    ],
    ["CRLF missing", a.slice(0, -2), "missing-tail", 'missing-tail: no "\\r\\n" after the CRC'],
    [
      "length counting CRC and tail",
      `##0284${a.slice(6)}`,
      "length-mismatch",
      "length-mismatch: length says 0284, but the data segment before CRC and tail is 278 (the length counts the CRC and the tail (6 bytes) too; it counts the data segment only, hj212.md §1)",
    ],
    [
      "non-hex CRC",
      `${a.slice(0, -6)}EBZ1\r\n`,
      "bad-crc-format",
      'bad-crc-format: CRC "EBZ1" is not 4 hex digits',
    ],
    ["wrong CRC", PACKET_C, "crc-mismatch", "crc-mismatch: expected EB01, got ABCD"],
  ];
  it.each(cases)("%s → %s", (_name, text, code, message) => {
    const error = errorOf(() => parsePacket(text));
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
  });
});

describe("parsePacket — fields", () => {
  const header = "QN=20261128103005123;ST=22;CN=2011;PW=123456;MN=LDAQ0000000000000000001A";
  const cases: Array<[string, string, Hj212ErrorCode, string]> = [
    ["no CP", `${header};Flag=4`, "missing-cp", "CP"],
    ["CP not closed", `${header};Flag=4;CP=&&DataTime=20261128103000`, "unterminated-cp", "CP"],
    ["CP only opened", `${header};Flag=4;CP=&&`, "unterminated-cp", "CP"],
    ["text after CP", `${header};Flag=4;CP=&&&&;RF=1`, "unterminated-cp", "CP"],
    ["no Flag", `${header};CP=&&&&`, "missing-field", "Flag"],
    ["no ST", "QN=20261128103005123;CN=2011;MN=X;Flag=4;CP=&&&&", "missing-field", "ST"],
    ["no CN", "ST=22;MN=X;Flag=4;CP=&&&&", "missing-field", "CN"],
    ["no MN", "ST=22;CN=2011;Flag=4;CP=&&&&", "missing-field", "MN"],
    ["Flag 256", `${header};Flag=256;CP=&&&&`, "bad-field", "Flag"],
    ["Flag text", `${header};Flag=x;CP=&&&&`, "bad-field", "Flag"],
    ["ST 3 digits", "ST=222;CN=2011;MN=X;Flag=4;CP=&&&&", "bad-field", "ST"],
    ["CN letters", "ST=22;CN=20a1;MN=X;Flag=4;CP=&&&&", "bad-field", "CN"],
    ["QN 16 digits", "QN=2026112810300512;ST=22;CN=2011;MN=X;Flag=4;CP=&&&&", "bad-field", "QN"],
    ["PW 7 chars", "ST=22;CN=2011;PW=1234567;MN=X;Flag=4;CP=&&&&", "bad-field", "PW"],
    ["MN 25 chars", `ST=22;CN=2011;MN=${"M".repeat(25)};Flag=4;CP=&&&&`, "bad-field", "MN"],
    ["MN 15 chars in 2005", `ST=32;CN=2011;MN=${"M".repeat(15)};Flag=0;CP=&&&&`, "bad-field", "MN"],
    ["item without =", "ST=22;CN=2011;MN=X;Flag=4;junk;CP=&&&&", "bad-field", "header"],
    ["repeated field", "ST=22;ST=22;CN=2011;MN=X;Flag=4;CP=&&&&", "bad-field", "ST"],
    ["split without PNUM", "ST=22;CN=2011;MN=X;Flag=6;PNO=1;CP=&&&&", "missing-field", "PNUM"],
    ["split without PNO", "ST=22;CN=2011;MN=X;Flag=6;PNUM=2;CP=&&&&", "missing-field", "PNO"],
    ["PNO > PNUM", "ST=22;CN=2011;MN=X;Flag=6;PNUM=2;PNO=3;CP=&&&&", "bad-field", "PNO"],
    ["PNUM 0", "ST=22;CN=2011;MN=X;Flag=6;PNUM=0;PNO=1;CP=&&&&", "bad-field", "PNUM"],
    ["CP item without =", "ST=22;CN=2011;MN=X;Flag=4;CP=&&a34004-Rtd&&", "bad-field", "CP"],
    ["bad DataTime", "ST=22;CN=2011;MN=X;Flag=4;CP=&&DataTime=20261131103000&&", "bad-field", "CP.DataTime"],
    [
      "repeated CP key",
      "ST=22;CN=2011;MN=X;Flag=4;CP=&&a34004-Rtd=1,a34004-Rtd=2&&",
      "bad-field",
      "CP.a34004-Rtd",
    ],
    ["unknown ST", "ST=99;CN=2011;MN=X;Flag=4;CP=&&&&", "unknown-code", "ST"],
    ["unknown CN", "ST=22;CN=2099;MN=X;Flag=4;CP=&&&&", "unknown-code", "CN"],
    ["ST 44 in 2017", "ST=44;CN=2011;MN=X;Flag=4;CP=&&&&", "unknown-code", "ST"],
    ["CN 9015 in 2017", "ST=22;CN=9015;MN=X;Flag=4;CP=&&&&", "unknown-code", "CN"],
  ];
  it.each(cases)("%s → %s at %s", (_name, segment, code, path) => {
    const error = errorOf(() => parsePacket(frame(segment)));
    expect(error.code).toBe(code);
    expect(error.path).toBe(path);
    expect(error.message.startsWith(`${code}: `)).toBe(true);
  });

  it("keeps unknown header fields such as HJ 212-2025 RF=", () => {
    const p = parsePacket(frame(`${header};Flag=4;RF=1;CP=&&DataTime=20261128103000;a34004-Rtd=35&&`));
    expect(p.extra).toEqual({ RF: "1" });
    expect(p.mn).toBe("LDAQ0000000000000000001A");
    expect(p.cp.groups).toEqual({ a34004: { Rtd: "35" } });
  });

  it("accepts 2025 version bits with the provisional 2025 codes, and any version without rejecting", () => {
    const p = parsePacket(frame("QN=20261128103005123;ST=22;CN=9015;MN=X;Flag=9;CP=&&&&"));
    expect(p.flag).toEqual({ value: 9, needAck: true, split: false, version: 2 });
    expect(parsePacket(frame("ST=22;CN=2011;MN=X;Flag=252;CP=&&&&")).flag.version).toBe(63);
  });

  it("accepts unknown ST and CN when asked", () => {
    const p = parsePacket(frame("ST=99;CN=2099;MN=X;Flag=4;CP=&&&&"), { unknownCodes: "accept" });
    expect([p.st, p.cn]).toEqual(["99", "2099"]);
  });

  it("reads PNUM and PNO of a split packet", () => {
    const p = parsePacket(frame("ST=22;CN=2011;MN=X;Flag=7;PNUM=3;PNO=2;CP=&&&&"));
    expect([p.flag.split, p.flag.needAck, p.pnum, p.pno]).toEqual([true, true, 3, 2]);
  });

  it("keeps CP items without a code, skips empty groups and keeps __proto__ as data", () => {
    const p = parsePacket(frame("ST=22;CN=2011;MN=X;Flag=4;CP=&&QnRtn=1;;__proto__=x;a1-Rtd=2;&&"));
    expect(p.cp.other).toEqual({ QnRtn: "1", ["__proto__"]: "x" });
    expect(Object.getPrototypeOf(p.cp.other)).toBe(Object.prototype);
    expect(p.cp.groups).toEqual({ a1: { Rtd: "2" } });
  });

  it("measures non-ASCII text as UTF-8 bytes", () => {
    const segment = "ST=22;CN=2011;MN=X;Flag=4;CP=&&i13001-Info=站&&";
    const bytes = Buffer.byteLength(segment);
    const text = `##${String(bytes).padStart(4, "0")}${segment}${formatCrc(crc16(segment))}\r\n`;
    expect(parsePacket(text).cp.groups.i13001).toEqual({ Info: "站" });
  });
});

describe("buildPacket", () => {
  it("rebuilds the standard's example exactly", () => {
    expect(
      buildPacket({
        qn: "20160801085857223",
        st: "32",
        cn: "1062",
        pw: "100000",
        mn: "010000A8900016F000169DC0",
        flag: 5,
        cp: "RtdInterval=30",
      }),
    ).toBe(STANDARD_EXAMPLE);
  });

  it("rebuilds example A exactly", () => {
    const a = parsePacket(PACKET_A);
    const cp = segmentOf(PACKET_A).split("CP=&&")[1]?.slice(0, -2) ?? "";
    expect(buildPacket({ qn: a.qn, st: a.st, cn: a.cn, pw: a.pw, mn: a.mn, flag: a.flag.value, cp })).toBe(
      PACKET_A,
    );
  });

  it("writes extra fields after Flag and PNUM/PNO when split", () => {
    const text = buildPacket({
      st: "22",
      cn: "2011",
      mn: "X",
      flag: 6,
      pnum: 2,
      pno: 1,
      extra: { RF: "0" },
      cp: "",
    });
    expect(segmentOf(text)).toBe("ST=22;CN=2011;MN=X;Flag=6;PNUM=2;PNO=1;RF=0;CP=&&&&");
  });

  it.each([
    ["a flag out of range", { flag: 300 }, "bad-field"],
    ["a split flag without PNUM", { flag: 6 }, "missing-field"],
    ["a ; in a field", { mn: "A;B" }, "bad-field"],
    ["a bad ST", { st: "2" }, "bad-field"],
    ["a CR in CP", { cp: "a\r" }, "bad-field"],
    ["a data segment over 1024", { cp: `x=${"1".repeat(1000)}` }, "length-too-large"],
  ] as const)("refuses %s", (_name, change, code) => {
    const input = { st: "22", cn: "2011", mn: "X", flag: 4, cp: "", ...change };
    expect(errorOf(() => buildPacket(input)).code).toBe(code);
  });

  it("refuses a data response to a packet without QN", () => {
    const p = parsePacket(frame("ST=22;CN=2011;MN=X;Flag=5;CP=&&&&"));
    expect(errorOf(() => buildDataResponse(p)).code).toBe("missing-field");
  });

  it("round-trips random packets through build and parse", () => {
    const code = fc.stringMatching(/^[aw]\d{5}$/);
    const decimal = fc
      .tuple(fc.integer({ min: -99999, max: 999999 }), fc.integer({ min: 0, max: 4 }))
      .map(([n, places]) => (places === 0 ? String(n) : (n / 10 ** places).toFixed(places)));
    const group = fc.record({
      Rtd: decimal,
      Avg: fc.option(decimal, { nil: undefined }),
      Flag: fc.constantFrom("N", "F", "M", "S", "D", "C", "T", "B"),
    });
    const packet = fc.record({
      qn: fc.option(fc.stringMatching(/^\d{17}$/), { nil: undefined }),
      st: fc.constantFrom("21", "22", "31", "32", "91"),
      cn: fc.constantFrom("2011", "2051", "2061", "2031", "9014"),
      pw: fc.option(fc.stringMatching(/^[0-9A-Za-z]{6}$/), { nil: undefined }),
      mn: fc.stringMatching(/^[0-9A-Z]{1,24}$/),
      flag: fc.constantFrom(4, 5),
      dataTime: fc.date({
        min: new Date("2017-05-01T00:00:00Z"),
        max: new Date("2040-01-01T00:00:00Z"),
        noInvalidDate: true,
      }),
      groups: fc.dictionary(code, group, { maxKeys: 8 }),
    });
    fc.assert(
      fc.property(packet, (p) => {
        const dataTime = new Date(p.dataTime.getTime() + 8 * 3_600_000)
          .toISOString()
          .slice(0, 19)
          .replace(/[-T:]/g, "");
        const groups = Object.entries(p.groups).map(([c, g]) =>
          Object.entries(g)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => `${c}-${k}=${v}`)
            .join(","),
        );
        const cp = [`DataTime=${dataTime}`, ...groups].join(";");
        const text = buildPacket({ ...p, cp });
        const parsed = parsePacket(text);
        expect(parsed.raw).toBe(text);
        expect([parsed.qn, parsed.st, parsed.cn, parsed.pw, parsed.mn, parsed.flag.value]).toEqual([
          p.qn,
          p.st,
          p.cn,
          p.pw,
          p.mn,
          p.flag,
        ]);
        expect(parsed.dataTime).toBe(dataTime);
        const expected = Object.fromEntries(
          Object.entries(p.groups).map(([c, g]) => [
            c,
            Object.fromEntries(Object.entries(g).filter(([, v]) => v !== undefined)),
          ]),
        );
        expect(parsed.cp.groups).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe("unverifiedMn — the MN of a whole frame, CRC unchecked", () => {
  it("reads the MN of example C although its CRC fails, and of frames whose fields fail", () => {
    expect(() => parsePacket(PACKET_C)).toThrow(/crc-mismatch/);
    expect(unverifiedMn(PACKET_C)).toBe("LDAQ0000000000000000001A");
    const badSt = frame("ST=2x;CN=2011;MN=AB12;Flag=4;CP=&&&&");
    expect(errorOf(() => parsePacket(badSt)).code).toBe("bad-field");
    expect(unverifiedMn(badSt)).toBe("AB12");
    // An "MN=" inside CP is data, not the header field.
    expect(unverifiedMn(frame("ST=22;CN=2011;Flag=4;CP=&&MN=AB12&&"))).toBeUndefined();
  });
  it("reads nothing from a frame cut short, with bytes after the tail, without one MN, or without CP", () => {
    expect(unverifiedMn(PACKET_C.slice(0, -2))).toBeUndefined();
    expect(unverifiedMn(`${PACKET_C}x`)).toBeUndefined();
    expect(unverifiedMn(PACKET_C.replace("##0278", "##02x8"))).toBeUndefined();
    expect(unverifiedMn(frame("ST=22;CN=2011;MN=A;MN=B;Flag=4;CP=&&&&"))).toBeUndefined();
    expect(unverifiedMn(frame("ST=22;CN=2011;MN=;Flag=4;CP=&&&&"))).toBeUndefined();
    expect(unverifiedMn(frame("ST=22;CN=2011;MN=AB12;Flag=4"))).toBeUndefined();
  });
});
