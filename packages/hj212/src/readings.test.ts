import { type Station, StationSchema } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { Hj212Error } from "./errors.ts";
import { buildPacket, type Hj212Packet, parsePacket } from "./packet.ts";
import { hj212ErrorToRejection, packetToReadings } from "./readings.ts";
import { replyFor } from "./reply.ts";
import { packetSummary } from "./summary.ts";
import { PACKET_A, PACKET_B, PACKET_B_RESPONSE, PACKET_C } from "./testdata/examples.ts";

const AIR_MN = "LDAQ0000000000000000001A";
const WATER_MN = "LDWQ0000000000000000002B";

function airStation(hj212: Record<string, unknown> = {}): Station {
  return StationSchema.parse({
    id: "ld-aq-01",
    name: { zh: "莲都监测站", en: "Liandu station" },
    kind: "air",
    location: { lat: 28.45, lon: 119.92 },
    township: "万象街道",
    hj212: { mn: AIR_MN, ...hj212 },
  });
}

function waterStation(hj212: Record<string, unknown> = {}): Station {
  return StationSchema.parse({
    id: "ld-wq-02",
    name: { zh: "大港头断面", en: "Dagangtou section" },
    kind: "water",
    location: { lat: 28.3, lon: 119.8 },
    township: "大港头镇",
    water: { waterBody: "river", river: "瓯江" },
    hj212: { mn: WATER_MN, ...hj212 },
  });
}

const A_TIME = Date.parse("2026-11-28T10:30:00+08:00");
const B_TIME = Date.parse("2026-11-28T09:00:00+08:00");
const NOW = Date.parse("2026-11-28T10:31:00+08:00");

/** A packet of `cn` from `mn` with the given CP content, through the real builder and parser. */
function packet(mn: string, cn: string, st: string, cp: string): Hj212Packet {
  return parsePacket(buildPacket({ qn: "20261128103005123", st, cn, pw: "123456", mn, flag: 4, cp }));
}

describe("packetToReadings", () => {
  it("turns example A into six real-time air readings", () => {
    const { readings, rejections } = packetToReadings(parsePacket(PACKET_A), airStation(), { now: NOW });
    expect(rejections).toEqual([]);
    const base = {
      stationId: "ld-aq-01",
      ts: A_TIME,
      periodMs: 0,
      flag: "N",
      source: "mqtt-hj212",
      receivedAt: NOW,
    };
    expect(readings).toEqual([
      { ...base, metric: "pm25", value: 35 },
      { ...base, metric: "pm10", value: 62 },
      { ...base, metric: "so2", value: 8 },
      { ...base, metric: "no2", value: 41 },
      { ...base, metric: "co", value: 0.8 },
      { ...base, metric: "o3", value: 96 },
    ]);
  });

  it("turns example B into nine hourly water readings from Avg", () => {
    const { readings, rejections } = packetToReadings(parsePacket(PACKET_B), waterStation(), {
      now: NOW,
      source: "tcp-hj212",
    });
    expect(rejections).toEqual([]);
    const base = {
      stationId: "ld-wq-02",
      ts: B_TIME,
      periodMs: 3_600_000,
      flag: "N",
      source: "tcp-hj212",
      receivedAt: NOW,
    };
    expect(readings).toEqual([
      { ...base, metric: "ph", value: 7.24 },
      { ...base, metric: "do", value: 6.71 },
      { ...base, metric: "codmn", value: 2.9 },
      { ...base, metric: "nh3n", value: 0.31 },
      { ...base, metric: "tp", value: 0.074 },
      { ...base, metric: "tn", value: 1.48 },
      { ...base, metric: "cond", value: 236 },
      { ...base, metric: "turb", value: 11.2 },
      { ...base, metric: "temp", value: 14.6 },
    ]);
  });

  it("shifts DataTime back one period when the station marks periods by their end", () => {
    const { readings } = packetToReadings(parsePacket(PACKET_B), waterStation({ dataTimeMarks: "end" }), {
      now: NOW,
    });
    expect(readings.map((r) => r.ts)).toEqual(Array(9).fill(B_TIME - 3_600_000));
  });

  it.each([
    ["2051", 60_000],
    ["2061", 3_600_000],
    ["2031", 86_400_000],
    ["2011", 0],
  ])("gives CN %s a period of %i ms", (cn, periodMs) => {
    const p = packet(AIR_MN, cn, "22", "DataTime=20261127000000;a34004-Avg=30,a34004-Rtd=31");
    const { readings } = packetToReadings(p, airStation(), { now: NOW });
    expect(readings.map((r) => [r.periodMs, r.value])).toEqual([[periodMs, cn === "2011" ? 31 : 30]]);
  });

  it("falls back to Rtd when hourly data has no Avg, and to Avg when real-time data has no Rtd", () => {
    const hourly = packet(AIR_MN, "2061", "22", "DataTime=20261128090000;a34004-Rtd=31");
    const realtime = packet(AIR_MN, "2011", "22", "DataTime=20261128103000;a34004-Avg=32");
    expect(packetToReadings(hourly, airStation(), { now: NOW }).readings[0]?.value).toBe(31);
    expect(packetToReadings(realtime, airStation(), { now: NOW }).readings[0]?.value).toBe(32);
  });

  it("converts water metals from the µg/L of Appendix B to mg/L", () => {
    const p = packet(
      WATER_MN,
      "2061",
      "21",
      "DataTime=20261128090000;w20111-Avg=0.05;w20120-Avg=12,w20120-Flag=N",
    );
    const { readings, rejections } = packetToReadings(p, waterStation(), { now: NOW });
    expect(rejections).toEqual([]);
    expect(readings.map((r) => [r.metric, r.value])).toEqual([
      ["hg", 0.00005],
      ["pb", 0.012],
    ]);
  });

  it("converts by the station's unit setting, exactly (mg/m³ → µg/m³, ug/L → mg/L)", () => {
    const air = packet(AIR_MN, "2011", "22", "DataTime=20261128103000;a34004-Rtd=0.035;a21005-Rtd=0.8");
    const airResult = packetToReadings(air, airStation({ units: { pm25: "mg/m3" } }), { now: NOW });
    expect(airResult.readings.map((r) => [r.metric, r.value])).toEqual([
      ["pm25", 35],
      ["co", 0.8],
    ]);
    const water = packet(WATER_MN, "2061", "21", "DataTime=20261128090000;x99001-Avg=3");
    const waterResult = packetToReadings(water, waterStation({ units: { cd: "ug/L" } }), {
      now: NOW,
      codeMap: { x99001: "cd" },
    });
    expect(waterResult.readings.map((r) => [r.metric, r.value])).toEqual([["cd", 0.003]]);
  });

  it("takes a metal in mg/L when the station says so", () => {
    const p = packet(WATER_MN, "2061", "21", "DataTime=20261128090000;w20111-Avg=0.0001");
    const { readings } = packetToReadings(p, waterStation({ units: { hg: "mg/L" } }), { now: NOW });
    expect(readings.map((r) => r.value)).toEqual([0.0001]);
  });

  it("rejects a value in a unit it cannot convert", () => {
    const p = packet(AIR_MN, "2011", "22", "DataTime=20261128103000;a21026-Rtd=3;a34004-Rtd=35");
    const { readings, rejections } = packetToReadings(p, airStation({ units: { so2: "ppb" } }), { now: NOW });
    expect(readings.map((r) => r.metric)).toEqual(["pm25"]);
    expect(rejections).toEqual([
      expect.objectContaining({ code: "unit.mismatch", path: "CP.a21026-Rtd", received: "ppb" }),
    ]);
  });

  it("rejects only the bad values and keeps the good ones beside them", () => {
    const p = packet(
      AIR_MN,
      "2011",
      "22",
      "DataTime=20261128103000;a34004-Rtd=abc;a34002-Rtd=62;a21026-Rtd=-5;a21004-Rtd=41,a21004-Flag=X;a05024-Rtd=96,a05024-Flag=C;a99999-Rtd=1;a01007-Rtd=2;w01001-Rtd=7",
    );
    const { readings, rejections } = packetToReadings(p, airStation(), { now: NOW });
    expect(readings.map((r) => [r.metric, r.value, r.flag])).toEqual([
      ["pm10", 62, "N"],
      ["o3", 96, "C"],
    ]);
    expect(rejections.map((r) => [r.code, r.path])).toEqual([
      ["value.not_number", "CP.a34004-Rtd"],
      ["value.out_of_range", "CP.a21026-Rtd"],
      ["flag.unknown", "CP.a21004-Flag"],
      ["metric.unknown", "CP.a99999"],
      ["metric.unknown", "CP.a01007"],
      ["metric.not_at_station", "CP.w01001-Rtd"],
    ]);
    expect(rejections[3]?.received).toBe("a99999");
    expect(rejections[4]?.expected).toContain("Wind speed");
  });

  it("rejects a group with a flag and no value", () => {
    const p = packet(AIR_MN, "2011", "22", "DataTime=20261128103000;a34004-Flag=D");
    const { rejections } = packetToReadings(p, airStation(), { now: NOW });
    expect(rejections.map((r) => [r.code, r.path])).toEqual([["value.not_number", "CP.a34004-Rtd"]]);
  });

  it("maps vendor codes through codeMap", () => {
    const p = packet(AIR_MN, "2011", "22", "DataTime=20261128103000;a21030-Rtd=88");
    const { readings } = packetToReadings(p, airStation(), { now: NOW, codeMap: { a21030: "o3" } });
    expect(readings.map((r) => [r.metric, r.value])).toEqual([["o3", 88]]);
  });

  it.each([
    ["a future DataTime", "DataTime=20261128110000;a34004-Rtd=35", "ts.future", "CP.DataTime"],
    ["an old DataTime", "DataTime=20261101000000;a34004-Rtd=35", "ts.too_late", "CP.DataTime"],
    ["no DataTime", "a34004-Rtd=35", "hj212.field", "CP.DataTime"],
  ])("rejects the whole packet for %s", (_name, cp, code, path) => {
    const { readings, rejections } = packetToReadings(packet(AIR_MN, "2011", "22", cp), airStation(), {
      now: NOW,
    });
    expect(readings).toEqual([]);
    expect(rejections.map((r) => [r.code, r.path])).toEqual([[code, path]]);
  });

  it("reads a DataTime in the year 99 as 0099, not 1999, and rejects it as too late", () => {
    const p = packet(AIR_MN, "2011", "22", "DataTime=00991128103000;a34004-Rtd=35");
    const { readings, rejections } = packetToReadings(p, airStation(), { now: NOW });
    expect(readings).toEqual([]);
    expect(rejections.map((r) => [r.code, r.path])).toEqual([["ts.too_late", "CP.DataTime"]]);
    expect(rejections[0]?.message).toContain('"0099-11-28T10:30:00+08:00"');
  });

  it("rejects a packet that is not a data upload, or comes from another MN", () => {
    const reply = packetToReadings(parsePacket(PACKET_B_RESPONSE), waterStation(), { now: NOW });
    expect(reply.rejections.map((r) => [r.code, r.path])).toEqual([["hj212.field", "CN"]]);
    const other = packetToReadings(parsePacket(PACKET_A), waterStation(), { now: NOW });
    expect(other.rejections.map((r) => [r.code, r.path])).toEqual([["hj212.field", "MN"]]);
  });

  // hj212.md §3: every data upload (20xx) is answered when A=1; 2021, 2041 and 2081 carry no
  // pollutant values, so they are kept as dead letters rather than lost or left unanswered.
  describe.each([
    ["2021", "device running-state data", "DataTime=20261128103000;a34004-RS=1"],
    ["2041", "device running-time daily data", "DataTime=20261128000000;a34004-RT=23.5"],
    ["2081", "data collector power-on time", "DataTime=20261128103000;RestartTime=20261128080000"],
  ])("data upload CN %s (%s)", (cn, name, cp) => {
    const upload = (flag: number) =>
      parsePacket(buildPacket({ qn: "20261128103005123", st: "22", cn, pw: "123456", mn: AIR_MN, flag, cp }));

    it.each([5, 4])("with Flag=%i gives no reading and one hj212.not_stored rejection at CN", (flag) => {
      const { readings, rejections } = packetToReadings(upload(flag), airStation(), { now: NOW });
      expect(readings).toEqual([]);
      expect(rejections).toEqual([
        {
          code: "hj212.not_stored",
          path: "CN",
          received: cn,
          expected: `a data upload stored as readings (2011, 2051, 2061 or 2031); ${cn} ${name} is not stored as readings: kept as this dead letter`,
          message: `hj212.not_stored: CN ${cn} ${name} of station ld-aq-01 is not stored as readings; kept as this dead letter`,
        },
      ]);
    });

    it("is answered with a 9014 echoing its QN with Flag=5, and not with Flag=4", () => {
      for (const [flag, answered] of [
        [5, true],
        [4, false],
      ] as const) {
        const p = upload(flag);
        const reply = replyFor(p, packetToReadings(p, airStation(), { now: NOW }).rejections);
        if (!answered) {
          expect(reply, `Flag=${flag}`).toBeUndefined();
          continue;
        }
        const response = parsePacket(reply as string);
        expect(response).toMatchObject({ qn: "20261128103005123", st: "91", cn: "9014", mn: AIR_MN });
        expect(response.flag.needAck).toBe(false);
      }
    });

    it("from the MN of another station is rejected hj212.field and not answered", () => {
      const p = upload(5);
      const { rejections } = packetToReadings(p, waterStation(), { now: NOW });
      expect(rejections.map((r) => [r.code, r.path])).toEqual([["hj212.field", "MN"]]);
      expect(replyFor(p, rejections)).toBeUndefined();
    });
  });

  it.each([
    ["1011", "SystemTime=20261128103000"],
    ["1013", ""],
    ["2012", ""],
    ["3020", "PolId=a34004"],
  ])("rejects CN %s with Flag=5 hj212.field at CN, and it is not answered", (cn, cp) => {
    const p = parsePacket(
      buildPacket({ qn: "20261128103005123", st: "22", cn, pw: "123456", mn: AIR_MN, flag: 5, cp }),
    );
    const { readings, rejections } = packetToReadings(p, airStation(), { now: NOW });
    expect(readings).toEqual([]);
    expect(rejections.map((r) => [r.code, r.path, r.received])).toEqual([["hj212.field", "CN", cn]]);
    expect(replyFor(p, rejections)).toBeUndefined();
  });

  describe("a station with its access password (hj212.pw)", () => {
    const withPw = (
      pw: string | undefined,
      cn = "2061",
      cp = "DataTime=20261128090000;w01001-Avg=7.24,w01001-Flag=N",
    ) =>
      parsePacket(
        buildPacket({
          qn: "20261128100012456",
          st: "21",
          cn,
          ...(pw === undefined ? {} : { pw }),
          mn: WATER_MN,
          flag: 5,
          cp,
        }),
      );

    it("stores a packet with that PW, as a station without the setting does with any PW", () => {
      expect(
        packetToReadings(withPw("654321"), waterStation({ pw: "654321" }), { now: NOW }).readings,
      ).toHaveLength(1);
      expect(packetToReadings(withPw("123456"), waterStation(), { now: NOW }).readings).toHaveLength(1);
    });

    it.each([
      ["another PW", "123456", "2061", "DataTime=20261128090000;w01001-Avg=7.24,w01001-Flag=N"],
      ["no PW", undefined, "2061", "DataTime=20261128090000;w01001-Avg=7.24,w01001-Flag=N"],
      ["another PW, a 1013", "123456", "1013", ""],
    ])(
      "rejects a packet with %s whole, hj212.field at PW, not answered, the password not shown",
      (_, pw, cn, cp) => {
        const p = withPw(pw, cn, cp);
        const { readings, rejections } = packetToReadings(p, waterStation({ pw: "654321" }), { now: NOW });
        expect(readings).toEqual([]);
        expect(rejections.map((r) => [r.code, r.path, r.received])).toEqual([["hj212.field", "PW", pw]]);
        expect(rejections[0]?.message).toBe(
          `hj212.field: "PW" is ${pw === undefined ? "nothing" : `"${pw}"`}, expected the access password configured for station ld-wq-02 (hj212.pw); nothing of this packet is stored`,
        );
        expect(rejections[0]?.message).not.toContain("654321");
        expect(replyFor(p, rejections)).toBeUndefined();
      },
    );

    it("is 1–6 printable characters in the registry", () => {
      expect(() => waterStation({ pw: "1234567" })).toThrow();
      expect(() => waterStation({ pw: "12;456" })).toThrow();
    });
  });

  // hj212.md §8.4 (split messages, Flag D=1): not reassembled; each part stands on its own.
  it("reads each part of a split message on its own and rejects a continuation part, naming the split", () => {
    const part = (pno: number, cp: string) =>
      parsePacket(
        buildPacket({
          qn: "20261128103005123",
          st: "22",
          cn: "2011",
          pw: "123456",
          mn: AIR_MN,
          flag: 7,
          pnum: 2,
          pno,
          cp,
        }),
      );
    const first = packetToReadings(
      part(1, "DataTime=20261128103000;a34004-Rtd=35,a34004-Flag=N"),
      airStation(),
      {
        now: NOW,
      },
    );
    const second = packetToReadings(
      part(2, "DataTime=20261128103000;a05024-Rtd=96,a05024-Flag=N"),
      airStation(),
      {
        now: NOW,
      },
    );
    expect([...first.readings, ...second.readings].map((r) => [r.metric, r.value, r.ts])).toEqual([
      ["pm25", 35, A_TIME],
      ["o3", 96, A_TIME],
    ]);
    const continuation = packetToReadings(part(2, "a05024-Rtd=96,a05024-Flag=N"), airStation(), { now: NOW });
    expect(continuation.readings).toEqual([]);
    expect(continuation.rejections.map((r) => [r.code, r.path, r.expected])).toEqual([
      [
        "hj212.field",
        "CP.DataTime",
        "DataTime=YYYYMMDDhhmmss (this is packet 2 of 2 of a split message: reassemble its packets first)",
      ],
    ]);
  });

  it("respects configured lateness", () => {
    const { rejections } = packetToReadings(parsePacket(PACKET_A), airStation(), {
      now: NOW + 2 * 3_600_000,
      limits: { maxLatenessMs: 3_600_000 },
    });
    expect(rejections.map((r) => r.code)).toEqual(["ts.too_late"]);
  });
});

describe("hj212ErrorToRejection", () => {
  it("turns example C into an hj212.crc rejection naming both CRCs", () => {
    let error: unknown;
    try {
      parsePacket(PACKET_C);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Hj212Error);
    expect(hj212ErrorToRejection(error as Hj212Error)).toEqual({
      code: "hj212.crc",
      path: "CRC",
      received: "ABCD",
      expected: "EB01",
      message: "hj212.crc: crc-mismatch: expected EB01, got ABCD",
    });
  });

  it.each([
    ["missing-header", "hj212.framing"],
    ["bad-length", "hj212.framing"],
    ["length-mismatch", "hj212.framing"],
    ["missing-tail", "hj212.framing"],
    ["bad-crc-format", "hj212.crc"],
    ["missing-cp", "hj212.field"],
    ["unknown-code", "hj212.field"],
  ] as const)("maps %s to %s", (code, rejectionCode) => {
    const error = new Hj212Error(code, "detail", { path: "x", expected: "y" });
    expect(hj212ErrorToRejection(error).code).toBe(rejectionCode);
  });
});

describe("packetSummary", () => {
  it("summarises example A", () => {
    expect(packetSummary(parsePacket(PACKET_A))).toEqual({
      valid: true,
      st: "22",
      cn: "2011",
      mn: AIR_MN,
      flag: { needAck: false, split: false, version: 1 },
      dataTime: "2026-11-28T10:30:00+08:00",
      codes: parsePacket(PACKET_A).cp.groups,
      values: {
        pm25: { value: 35, flag: "N" },
        pm10: { value: 62, flag: "N" },
        so2: { value: 8, flag: "N" },
        no2: { value: 41, flag: "N" },
        co: { value: 0.8, flag: "N" },
        o3: { value: 96, flag: "N" },
      },
    });
  });

  it("lists unknown codes and gives an empty time when there is none", () => {
    const s = packetSummary(packet(AIR_MN, "2011", "22", "a99999-Rtd=1;a34004-Rtd=3"));
    expect(s.unknownCodes).toEqual(["a99999"]);
    expect(s.dataTime).toBe("");
    expect(s.values).toEqual({ pm25: { value: 3, flag: "N" } });
  });
});
