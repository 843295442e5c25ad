/**
 * Fixtures for the ingest tests: two stations of the Liandu demo network and the example packets
 * of shared/standards/hj212.md §7, verbatim (tail written as \r\n).
 */
import type { Bus, Delivery } from "@qingshan/bus";
import { createStationRegistry, type DeadLetter, type Reading, type StationInput } from "@qingshan/domain";

export const AIR_MN = "LDAQ0000000000000000001A";
export const WATER_MN = "LDWQ0000000000000000002B";

export const STATIONS: StationInput[] = [
  {
    id: "ld-aq-01",
    name: { zh: "莲都监测站", en: "Liandu station" },
    kind: "air",
    location: { lat: 28.45, lon: 119.92 },
    township: "万象街道",
    hj212: { mn: AIR_MN },
  },
  {
    id: "ld-wq-02",
    name: { zh: "大港头断面", en: "Dagangtou section" },
    kind: "water",
    location: { lat: 28.3, lon: 119.8 },
    township: "大港头镇",
    water: { waterBody: "river", river: "瓯江" },
    hj212: { mn: WATER_MN },
  },
];

export const registry = createStationRegistry(STATIONS, "ingest test stations");

/** "Now" for every test: one minute after example A's DataTime (Beijing time). */
export const NOW = Date.parse("2026-11-28T10:31:00+08:00");
export const clock = () => NOW;

/** hj212.md §7 A: air station, real-time data, no ack; CRC EB01. */
export const PACKET_A =
  "##0278QN=20261128103005123;ST=22;CN=2011;PW=123456;MN=LDAQ0000000000000000001A;Flag=4;CP=&&DataTime=20261128103000;a34004-Rtd=35,a34004-Flag=N;a34002-Rtd=62,a34002-Flag=N;a21026-Rtd=8,a21026-Flag=N;a21004-Rtd=41,a21004-Flag=N;a21005-Rtd=0.8,a21005-Flag=N;a05024-Rtd=96,a05024-Flag=N&&EB01\r\n";

/** hj212.md §7 B: water station, hourly data, Flag=5 (ack requested); CRC 09C0. */
export const PACKET_B =
  "##0443QN=20261128100012456;ST=21;CN=2061;PW=123456;MN=LDWQ0000000000000000002B;Flag=5;CP=&&DataTime=20261128090000;w01001-Min=7.18,w01001-Avg=7.24,w01001-Max=7.31,w01001-Flag=N;w01009-Min=6.52,w01009-Avg=6.71,w01009-Max=6.90,w01009-Flag=N;w01019-Avg=2.9,w01019-Flag=N;w21003-Avg=0.31,w21003-Flag=N;w21011-Avg=0.074,w21011-Flag=N;w21001-Avg=1.48,w21001-Flag=N;w01014-Avg=236,w01014-Flag=N;w01003-Avg=11.2,w01003-Flag=N;w01010-Avg=14.6,w01010-Flag=N&&09C0\r\n";

/** hj212.md §7 B reply: the host's 9014 data response; CRC B101. */
export const PACKET_B_RESPONSE =
  "##0087QN=20261128100012456;ST=91;CN=9014;PW=123456;MN=LDWQ0000000000000000002B;Flag=4;CP=&&&&B101\r\n";

/** hj212.md §7 C: packet A with its CRC replaced by ABCD. */
export const PACKET_C =
  "##0278QN=20261128103005123;ST=22;CN=2011;PW=123456;MN=LDAQ0000000000000000001A;Flag=4;CP=&&DataTime=20261128103000;a34004-Rtd=35,a34004-Flag=N;a34002-Rtd=62,a34002-Flag=N;a21026-Rtd=8,a21026-Flag=N;a21004-Rtd=41,a21004-Flag=N;a21005-Rtd=0.8,a21005-Flag=N;a05024-Rtd=96,a05024-Flag=N&&ABCD\r\n";

/** What a subscription has received so far. */
export interface Collected {
  readonly readings: Delivery<Reading>[];
  readonly deadLetters: Delivery<DeadLetter>[];
}

/** Subscribes a test consumer group to "readings" and "deadletters" and collects every delivery. */
export async function collect(bus: Bus, group = "test"): Promise<Collected> {
  const collected: Collected = { readings: [], deadLetters: [] };
  await bus.subscribe<Reading>("readings", { group }, async (batch) => {
    collected.readings.push(...batch);
  });
  await bus.subscribe<DeadLetter>("deadletters", { group }, async (batch) => {
    collected.deadLetters.push(...batch);
  });
  return collected;
}

/** A promise with its resolve function, to hold a bus handler until the test releases it. */
export function gate(): { promise: Promise<void>; release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}
