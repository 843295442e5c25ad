import { type Station, StationSchema } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { buildPacket, parsePacket } from "./packet.ts";
import { packetToReadings } from "./readings.ts";

// HJ/T 212-2005 MNs are 14 characters (hj212.md §1.1).
const MN_2005 = "LDWQ0000000002";
const NOW = Date.parse("2026-11-28T10:31:00+08:00");
const TIME = Date.parse("2026-11-28T10:30:00+08:00");

function station(kind: "air" | "water", mn: string): Station {
  return StationSchema.parse({
    id: `ld-${kind}`,
    name: { zh: "测试站", en: "Test station" },
    kind,
    location: { lat: 28.45, lon: 119.92 },
    township: "万象街道",
    ...(kind === "water" ? { water: { waterBody: "river" } } : {}),
    hj212: { mn },
  });
}

/** A real-time data packet; Flag 0 is HJ/T 212-2005 (version bits 000000), 4 is HJ 212-2017. */
function upload(flag: number, st: string, mn: string, cp: string) {
  return parsePacket(buildPacket({ qn: "20261128103005123", st, cn: "2011", pw: "123456", mn, flag, cp }));
}

describe("data flags by edition (hj212.md §5)", () => {
  it("stores the HJ/T 212-2005 flags as the domain flags: P (power failure) as D, the others as sent", () => {
    // One group per code (a code repeated in CP is an error), so two packets.
    const first = upload(
      0,
      "32",
      MN_2005,
      "DataTime=20261128103000;011-Rtd=20,011-Flag=N;060-Rtd=0.5,060-Flag=F;065-Rtd=1.2,065-Flag=C;101-Rtd=0.1,101-Flag=M;001-Rtd=7.2,001-Flag=T;010-Rtd=3,010-Flag=D",
    );
    const second = upload(
      0,
      "32",
      MN_2005,
      "DataTime=20261128103000;011-Rtd=21,011-Flag=S;060-Rtd=0.6,060-Flag=P",
    );
    const water = station("water", MN_2005);
    const a = packetToReadings(first, water, { now: NOW });
    const b = packetToReadings(second, water, { now: NOW });
    expect([...a.rejections, ...b.rejections]).toEqual([]);
    expect(a.readings.map((r) => [r.metric, r.flag, r.ts]).sort()).toEqual([
      ["bod5", "D", TIME],
      ["cod", "N", TIME],
      ["nh3n", "F", TIME],
      ["ph", "T", TIME],
      ["tn", "C", TIME],
      ["tp", "M", TIME],
    ]);
    expect(b.readings.map((r) => [r.metric, r.flag, r.ts])).toEqual([
      ["cod", "S", TIME],
      ["nh3n", "D", TIME],
    ]);
  });

  it("names the Flag when a packet marked HJ/T 212-2005 carries HJ 212-2017 codes without codeMap", () => {
    const mn = "LDAQ0000000001";
    const p = upload(
      1,
      "22",
      mn,
      "DataTime=20261128103000;a34004-Rtd=35,a34004-Flag=N;a99999-Rtd=1,a99999-Flag=N",
    );
    const { readings, rejections } = packetToReadings(p, station("air", mn), { now: NOW });
    expect(readings).toEqual([]);
    expect(rejections.map((r) => r.message)).toEqual([
      'metric.unknown: "CP.a34004" is "a34004", expected a pollutant code of HJ/T 212-2005 Appendix B or of codeMap (a34004 is PM2.5 in HJ 212-2017, but Flag=1 has protocol version bits 000000, HJ/T 212-2005: a device speaking HJ 212-2017 sets Flag=4, or 5 to ask for a reply; else map the code in codeMap)',
      'metric.unknown: "CP.a99999" is "a99999", expected a pollutant code of HJ/T 212-2005 Appendix B or of codeMap',
    ]);
  });

  it("stores the 2005 ambient-air flags 0 and 3 as C and N, and rejects 1 and 2 by name, keeping the rest", () => {
    const mn = "LDAQ0000000001";
    const p = upload(
      0,
      "22",
      mn,
      "DataTime=20261128103000;a34004-Rtd=35,a34004-Flag=3;a34002-Rtd=62,a34002-Flag=0;a21026-Rtd=8,a21026-Flag=1;a21004-Rtd=41,a21004-Flag=2",
    );
    const codeMap = { a34004: "pm25", a34002: "pm10", a21026: "so2", a21004: "no2" } as const;
    const { readings, rejections } = packetToReadings(p, station("air", mn), { now: NOW, codeMap });
    expect(readings.map((r) => [r.metric, r.value, r.flag])).toEqual([
      ["pm25", 35, "N"],
      ["pm10", 62, "C"],
    ]);
    expect(rejections.map((r) => r.message)).toEqual([
      'flag.unknown: "CP.a21026-Flag" is "1", expected a data flag of HJ/T 212-2005 (ambient air): one of N F M S D C T P 0 3; flag 1 (meteorological) has no Qingshan data flag',
      'flag.unknown: "CP.a21004-Flag" is "2", expected a data flag of HJ/T 212-2005 (ambient air): one of N F M S D C T P 0 3; flag 2 (abnormal) has no Qingshan data flag',
    ]);
  });

  it("takes the 2005 flags only from 2005 packets, and the digit flags only from ambient air (ST 22)", () => {
    const air2017 = upload(
      4,
      "22",
      "LDAQ0000000000000000001A",
      "DataTime=20261128103000;a34004-Rtd=35,a34004-Flag=P;a34002-Rtd=62,a34002-Flag=3",
    );
    const { readings, rejections } = packetToReadings(air2017, station("air", "LDAQ0000000000000000001A"), {
      now: NOW,
    });
    expect(readings).toEqual([]);
    expect(rejections.map((r) => [r.path, r.received, r.expected])).toEqual([
      ["CP.a34004-Flag", "P", "a data flag of HJ 212-2017: one of N F M S D C T B"],
      ["CP.a34002-Flag", "3", "a data flag of HJ 212-2017: one of N F M S D C T B"],
    ]);
    const water2005 = upload(
      0,
      "32",
      MN_2005,
      "DataTime=20261128103000;011-Rtd=20,011-Flag=3;060-Rtd=1,060-Flag=B",
    );
    const water = packetToReadings(water2005, station("water", MN_2005), { now: NOW });
    expect(water.readings).toEqual([]);
    expect(water.rejections.map((r) => [r.path, r.received, r.expected])).toEqual([
      ["CP.011-Flag", "3", "a data flag of HJ/T 212-2005: one of N F M S D C T P"],
      ["CP.060-Flag", "B", "a data flag of HJ/T 212-2005: one of N F M S D C T P"],
    ]);
  });

  it("takes a value without -Flag as N (hj212.md is silent on it; README)", () => {
    const p = upload(4, "22", "LDAQ0000000000000000001A", "DataTime=20261128103000;a34004-Rtd=35");
    const { readings } = packetToReadings(p, station("air", "LDAQ0000000000000000001A"), { now: NOW });
    expect(readings.map((r) => [r.metric, r.value, r.flag])).toEqual([["pm25", 35, "N"]]);
  });
});
