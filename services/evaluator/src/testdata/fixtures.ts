/**
 * Fixtures shared by the evaluator's tests: an air station, a river section, the shipped rules, a
 * heavy-pollution episode, hourly PM2.5
 * messages, a writer store held back until the test releases it, and a Kafka bus tuned for quick
 * rebalances.
 */
import { createKafkaBus, type KafkaBus, type KafkaLogEntry } from "@qingshan/bus";
import { quickRebalanceConfig } from "@qingshan/bus/testing/kafka";
import { createStationRegistry, type Reading, type StationInput } from "@qingshan/domain";
import { loadRulesFile } from "@qingshan/rules";
import type { DuckDbStore } from "@qingshan/store";
import type { WriterStore } from "@qingshan/writer";

export const H = 3_600_000;
/** 1 December 2026, 00:00 Beijing time. */
export const DEC_1 = Date.parse("2026-12-01T00:00:00+08:00");

export const shippedRules = loadRulesFile(new URL("../../../../config/rules.yaml", import.meta.url).pathname);

/**
 * Heavy-pollution episode (as in the simulator's scenario, hand-built), hourly PM2.5 in µg/m³:
 * 160 for two days (24-h rolling AQI 210), then clean air (20) for three and a half days.
 */
export const HEAVY_EPISODE_PM25 = [...Array(48).fill(160), ...Array(84).fill(20)] as number[];
/** The heavy-pollution-warning events of that episode at one station: [type, level]. */
export const HEAVY_EPISODE_WARNINGS = [
  ["raised", "yellow"],
  ["level_changed", "orange"],
  ["level_changed", "yellow"],
  ["resolved", "yellow"],
];

/** An air station measuring PM2.5 only. */
export function airStation(
  id = "aq-1",
  name: StationInput["name"] = { zh: "莲都站", en: "Liandu station" },
): StationInput {
  return {
    id,
    name,
    kind: "air",
    metrics: ["pm25"],
    location: { lat: 28.4, lon: 119.9 },
    township: "万象街道",
  };
}

/** A river section (target Class III) measuring DO, CODMn, NH3-N and TP. */
export function riverSection(id: string): StationInput {
  return {
    id,
    name: { zh: "兰溪口断面", en: "Lanxikou section" },
    kind: "water",
    metrics: ["do", "codmn", "nh3n", "tp"],
    water: { waterBody: "river", targetClass: "III" },
    location: { lat: 28.49, lon: 119.74 },
    township: "兰溪镇",
  };
}

/** A registry of the one station aq-1. */
export function oneAirStation() {
  return createStationRegistry([airStation()]);
}

/** Bus messages of aq-1's hourly PM2.5 for hours [from, to) after 1 December 00:00. */
export function hourlyPm25(
  from: number,
  to: number,
  value: (hour: number) => number,
): { key: string; value: Reading }[] {
  const out: { key: string; value: Reading }[] = [];
  for (let i = from; i < to; i++) {
    out.push({
      key: "aq-1",
      value: {
        stationId: "aq-1",
        metric: "pm25",
        ts: DEC_1 + i * H,
        periodMs: H,
        value: value(i),
        flag: "N",
        source: "mqtt-json",
        receivedAt: DEC_1 + (i + 1) * H,
      },
    });
  }
  return out;
}

/** One hourly PM2.5 reading of aq-1, of the hour ending `hourEnd` and received at its end. */
export function hourPm25(
  hourEnd: number,
  value: number,
  { flag = "N", source = "tcp-hj212" }: { flag?: Reading["flag"]; source?: Reading["source"] } = {},
): Reading {
  return {
    stationId: "aq-1",
    metric: "pm25",
    ts: hourEnd - H,
    periodMs: H,
    value,
    flag,
    source,
    receivedAt: hourEnd,
  };
}

/** The real store, only delayed: the writer's readings reach it once `release()` is called. */
export function heldWriterStore(store: DuckDbStore): { store: WriterStore; release: () => void } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    store: {
      writeReadings: async (readings) => {
        await released;
        await store.writeReadings(readings);
      },
      writeDeadLetters: (letters) => store.writeDeadLetters(letters),
    },
    release,
  };
}

/** Logs what a test should see; the leader moves and rebalances of a group changing members are expected. */
export function quietKafkaLog(entry: KafkaLogEntry): void {
  const text = `${entry.message} ${String(entry.extra.error ?? "")}`;
  if (
    /not the leader|coordinator is (loading|not available)|does not host|rebalanc|not aware of this member/i.test(
      text,
    )
  )
    return;
  console.error(`kafka bus: ${entry.level} [${entry.namespace}] ${text}`);
}

/** A Kafka bus whose members notice a rebalance within a heartbeat of 200 ms. */
export function rebalancingKafkaBus(brokers: string, topicPrefix: string, partitions: number): KafkaBus {
  return createKafkaBus(quickRebalanceConfig(brokers, topicPrefix, partitions, quietKafkaLog));
}
