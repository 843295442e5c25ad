import { createMemoryBus } from "@qingshan/bus";
import { createStationRegistry, type StationInput } from "@qingshan/domain";
import { buildDataResponse, buildPacket, parsePacket } from "@qingshan/hj212";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createIngestPipeline } from "./ingest-pipeline.ts";
import { createIngestMetrics } from "./metrics.ts";
import { AIR_MN, clock, collect, STATIONS } from "./testdata/fixtures.ts";

const cleanups = cleanupsAfterEach();
const tcp = { source: "hj212-tcp", origin: "10.0.0.7:50312" } as const;
const HOUR = 3_600_000;

/** The air station of the fixtures with `hj212` settings added to its MN. */
async function pipelineFor(hj212: Partial<NonNullable<StationInput["hj212"]>>) {
  const air = STATIONS[0] as StationInput;
  const registry = createStationRegistry(
    [{ ...air, hj212: { mn: AIR_MN, ...hj212 } }],
    "hj212 station settings test",
  );
  const bus = createMemoryBus();
  await bus.start();
  cleanups.push(() => bus.stop());
  const got = await collect(bus);
  const metricsRegistry = new Registry();
  const logged: Array<{ level: "info" | "warn"; obj: object; msg: string }> = [];
  const logger = {
    info: (obj: object, msg: string) => logged.push({ level: "info", obj, msg }),
    warn: (obj: object, msg: string) => logged.push({ level: "warn", obj, msg }),
  };
  const pipeline = createIngestPipeline({
    bus,
    registry,
    clock,
    logger,
    metrics: createIngestMetrics(metricsRegistry),
  });
  const counter = async (name: string, labels: Record<string, string>) => {
    const metric = await metricsRegistry.getSingleMetric(name)?.get();
    return (
      metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0
    );
  };
  return { pipeline, got, logged, counter };
}

function airPacket(cn: string, qn: string, cp: string, flag = 5): string {
  return buildPacket({ qn, st: "22", cn, pw: "123456", mn: AIR_MN, flag, cp });
}

describe("station hj212.commands", () => {
  it("stores only the listed product: the real-time packet of an hourly-data station is answered and counted, not stored", async () => {
    const { pipeline, got, counter } = await pipelineFor({ commands: ["2061"] });
    // Both products stamped 10:00: stored together, one would overwrite the other (same station, metric, time).
    const realtime = airPacket(
      "2011",
      "20261128100000001",
      "DataTime=20261128100000;a34004-Rtd=41,a34004-Flag=N",
    );
    const hourly = airPacket(
      "2061",
      "20261128110000002",
      "DataTime=20261128100000;a34004-Avg=35,a34004-Flag=N",
    );

    const skipped = await pipeline.submitHj212(realtime, tcp);
    expect(skipped).toEqual({
      accepted: 0,
      rejections: [],
      response: buildDataResponse(parsePacket(realtime)),
    });
    const stored = await pipeline.submitHj212(hourly, tcp);
    expect(stored.accepted).toBe(1);
    expect(stored.response).toBe(buildDataResponse(parsePacket(hourly)));

    expect(got.readings.map((d) => d.value)).toMatchObject([
      {
        stationId: "ld-aq-01",
        metric: "pm25",
        value: 35,
        ts: Date.parse("2026-11-28T10:00:00+08:00"),
        periodMs: HOUR,
      },
    ]);
    expect(got.deadLetters).toEqual([]);
    expect(await counter("qingshan_hj212_uploads_not_stored_total", { cn: "2011" })).toBe(1);
  });

  it("stores 2011, 2051 and 2061 by default, and warns once that two products of the station share its series", async () => {
    const { pipeline, got, logged } = await pipelineFor({});
    await pipeline.submitHj212(
      airPacket("2011", "20261128101500001", "DataTime=20261128101500;a34004-Rtd=41,a34004-Flag=N"),
      tcp,
    );
    await pipeline.submitHj212(
      airPacket("2061", "20261128110000002", "DataTime=20261128090000;a34004-Avg=35,a34004-Flag=N"),
      tcp,
    );
    await pipeline.submitHj212(
      airPacket("2011", "20261128101600001", "DataTime=20261128101600;a34004-Rtd=40,a34004-Flag=N"),
      tcp,
    );
    expect(got.readings.map((d) => [d.value.value, d.value.periodMs])).toEqual([
      [41, 0],
      [35, HOUR],
      [40, 0],
    ]);
    expect(logged.filter((l) => l.level === "warn").map((l) => l.msg)).toEqual([
      "HJ 212 station ld-aq-01 sends data uploads 2011 and 2061, and both are stored as the same series: where their times meet one overwrites the other, and both enter the hourly means. List the one to keep in the station's hj212.commands.",
    ]);
  });
});

describe("HJ 212 daily data (CN 2031)", () => {
  it("is answered and counted, never stored: the station's daily mean, stamped 00:00, would replace that hour's value", async () => {
    const { pipeline, got, counter } = await pipelineFor({});
    const hourly = airPacket(
      "2061",
      "20261128010000001",
      "DataTime=20261128000000;a34004-Avg=35,a34004-Flag=N",
    );
    const daily = airPacket(
      "2031",
      "20261129000500002",
      "DataTime=20261128000000;a34004-Avg=52,a34004-Flag=N",
    );
    expect((await pipeline.submitHj212(hourly, tcp)).accepted).toBe(1);
    expect(await pipeline.submitHj212(daily, tcp)).toEqual({
      accepted: 0,
      rejections: [],
      response: buildDataResponse(parsePacket(daily)),
    });
    // The 00:00–01:00 hour keeps its own mean; nothing is dead-lettered for a station doing its job.
    expect(got.readings.map((d) => [d.value.value, d.value.periodMs])).toEqual([[35, HOUR]]);
    expect(got.deadLetters).toEqual([]);
    expect(await counter("qingshan_hj212_uploads_not_stored_total", { cn: "2031" })).toBe(1);
  });

  it("cannot be listed in hj212.commands: the registry says why", () => {
    const air = STATIONS[0] as StationInput;
    expect(() =>
      // As a hand-written registry file would have it (the type refuses it already).
      createStationRegistry(
        [{ ...air, hj212: { mn: AIR_MN, commands: ["2061", "2031"] } } as unknown as StationInput],
        "test registry",
      ),
    ).toThrow(/2031 daily data is not stored: Qingshan computes each day from the hourly values \(HJ 663\)/);
  });
});

describe("HJ 212 heartbeat (CN 9015, HJ 212-2025)", () => {
  it("is counted, not dead-lettered or answered: a station's keep-alive every minute would bury the real rejects", async () => {
    const { pipeline, got, counter } = await pipelineFor({});
    const heartbeat = buildPacket({
      qn: "20261128100000001",
      st: "22",
      cn: "9015",
      pw: "123456",
      mn: AIR_MN,
      flag: 9,
      cp: "",
    });
    expect(await pipeline.submitHj212(heartbeat, tcp)).toEqual({ accepted: 0, rejections: [] });
    expect(await pipeline.submitHj212(heartbeat, tcp)).toEqual({ accepted: 0, rejections: [] });
    expect(got.deadLetters).toEqual([]);
    expect(await counter("qingshan_hj212_heartbeats_total", {})).toBe(2);
    // Another command that is not a data upload is still a dead letter saying so.
    const timeRequest = buildPacket({
      qn: "20261128100000002",
      st: "22",
      cn: "1013",
      pw: "123456",
      mn: AIR_MN,
      flag: 9,
      cp: "",
    });
    expect((await pipeline.submitHj212(timeRequest, tcp)).rejections.map((r) => [r.code, r.path])).toEqual([
      ["hj212.field", "CN"],
    ]);
  });
});

describe("station hj212.minuteDataPeriodMs and codes", () => {
  it("gives 10-minute data (CN 2051) its period, and an end-marked DataTime moves back by it", async () => {
    const { pipeline, got } = await pipelineFor({ minuteDataPeriodMs: 600_000, dataTimeMarks: "end" });
    await pipeline.submitHj212(
      airPacket("2051", "20261128103000001", "DataTime=20261128103000;a34004-Avg=38,a34004-Flag=N"),
      tcp,
    );
    expect(got.readings.map((d) => d.value)).toMatchObject([
      { metric: "pm25", value: 38, periodMs: 600_000, ts: Date.parse("2026-11-28T10:20:00+08:00") },
    ]);
  });

  it("reads a vendor's code through the station's code map (a21030 for O3)", async () => {
    const without = await pipelineFor({});
    const packet = airPacket(
      "2011",
      "20261128103000001",
      "DataTime=20261128103000;a21030-Rtd=96,a21030-Flag=N",
    );
    const refused = await without.pipeline.submitHj212(packet, tcp);
    expect(refused.rejections.map((r) => r.code)).toEqual(["metric.unknown"]);

    const mapped = await pipelineFor({ codes: { a21030: "o3" } });
    const result = await mapped.pipeline.submitHj212(packet, tcp);
    expect(result).toMatchObject({ accepted: 1, rejections: [] });
    expect(mapped.got.readings.map((d) => [d.value.metric, d.value.value])).toEqual([["o3", 96]]);
  });
});

describe("HJ 212 edition log", () => {
  it("logs the edition a station speaks once, and warns once of version bits of no known edition", async () => {
    const { pipeline, got, logged } = await pipelineFor({});
    const cp = (minute: string) => `DataTime=202611281${minute}00;a34004-Rtd=35,a34004-Flag=N`;
    await pipeline.submitHj212(airPacket("2011", "20261128100000001", cp("000"), 4), tcp);
    await pipeline.submitHj212(airPacket("2011", "20261128100100001", cp("001"), 4), tcp);
    // Flag 12: version bits 3, no edition defined; read with the 2017 rules, not rejected (hj212.md §1.2).
    await pipeline.submitHj212(airPacket("2011", "20261128100200001", cp("002"), 12), tcp);
    await pipeline.submitHj212(airPacket("2011", "20261128100300001", cp("003"), 12), tcp);
    expect(got.readings).toHaveLength(4);
    expect(logged.map((l) => [l.level, l.msg])).toEqual([
      ["info", "HJ 212 station ld-aq-01 speaks HJ 212-2017"],
      [
        "warn",
        "HJ 212 station ld-aq-01 sends Flag version bits 3, of no edition Qingshan knows: read with the HJ 212-2017 rules",
      ],
    ]);
    expect(logged[1]?.obj).toEqual({ station: "ld-aq-01", mn: AIR_MN, flag: 12, version: 3 });
  });
});
