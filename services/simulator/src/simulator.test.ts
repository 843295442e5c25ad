import { createServer, type Server } from "node:net";
import { DAY_MS, decodeStationMessage, HOUR_MS, parseStationTopic, toBeijingIso } from "@qingshan/domain";
import { freePort, requireService, tcpReachable, waitFor } from "@qingshan/testkit";
import { Aedes } from "aedes";
import { connectAsync, type MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { generateHistory } from "./history.ts";
import { loadStationRegistry } from "./seeds.ts";
import { createSimulator, type Simulator } from "./simulator.ts";

const registry = loadStationRegistry();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function startBroker(): Promise<string> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  cleanups.push(async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `mqtt://127.0.0.1:${port}`;
}

interface Received {
  topic: string;
  payload: string;
}

async function subscriber(
  url: string,
  filter = "stations/#",
): Promise<{ client: MqttClient; got: Received[] }> {
  const client = await connectAsync(url, {
    clientId: `sub-${Math.random().toString(36).slice(2)}`,
    reconnectPeriod: 0,
  });
  cleanups.push(() => client.endAsync(true));
  const got: Received[] = [];
  client.on("message", (topic, payload) => got.push({ topic, payload: payload.toString("utf8") }));
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, got };
}

/** The ts of a payload of this simulator, NaN for anything else seen on a shared broker. */
function tsOf(payload: string): number {
  try {
    return Date.parse(JSON.parse(payload).ts);
  } catch {
    return Number.NaN;
  }
}

function track(sim: Simulator): Simulator {
  cleanups.push(() => sim.stop());
  return sim;
}

describe("simulator over an embedded aedes broker", () => {
  it("publishes valid wire payloads on stations/{id}/{kind}, in simulated time, never in the future", async () => {
    const url = await startBroker();
    const { got } = await subscriber(url);
    let real = Date.parse("2026-11-28T12:00:00+08:00");
    const sim = track(
      createSimulator({
        stations: registry.stations,
        mqttUrl: url,
        scenario: "heavy-pollution",
        acceleration: 3600,
        seed: 3,
        schedule: "manual",
        dataGaps: "none",
        clock: () => real,
      }),
    );
    expect(sim.run.startAt).toBe(real - 167 * HOUR_MS);
    await sim.start();
    real += 2_000; // two simulated hours
    await sim.tick();
    const air = registry.stations.filter((s) => s.kind === "air").length;
    const water = registry.stations.filter((s) => s.kind === "water").length;
    const noi = registry.stations.filter((s) => s.kind === "noi").length;
    const expected = 2 * (air + water) + 24 * noi;
    await waitFor(() => got.length >= expected, { what: `${expected} messages` });
    expect(sim.stats()).toMatchObject({ published: expected, failed: 0, skipped: 0 });
    for (const { topic, payload } of got) {
      const parsed = parseStationTopic(topic);
      const station = registry.get(parsed?.stationId ?? "");
      expect(parsed?.kind).toBe(station?.kind);
      const result = decodeStationMessage(topic, payload, { now: real, lookupStation: registry.get });
      expect(result.rejections).toEqual([]);
      for (const r of result.readings) {
        expect(r.ts).toBeGreaterThanOrEqual(sim.run.startAt);
        expect(r.ts + r.periodMs).toBeLessThanOrEqual(sim.stats().simNow);
      }
    }
    // The simulated clock catches up with the real one and then never passes it.
    real += 10 * DAY_MS;
    expect(sim.stats().simNow).toBe(real);
  });

  it("resumeAfter: a station publishes only the periods after its newest stored reading", async () => {
    const url = await startBroker();
    const { got } = await subscriber(url);
    let real = Date.parse("2026-11-28T12:00:00+08:00");
    const hourly = registry.stations.find((s) => s.reportingIntervalMs === HOUR_MS);
    const fiveMinute = registry.stations.find((s) => s.reportingIntervalMs === 300_000);
    if (!hourly || !fiveMinute) throw new Error("the demo network has hourly and 5-minute stations");
    const startAt = real - 167 * HOUR_MS;
    // Stored up to the hour starting at startAt + 2 h (hourly), and to startAt + 1 h + 7 min (5-minute).
    const resumeAfter = new Map([
      [hourly.id, startAt + 2 * HOUR_MS],
      [fiveMinute.id, startAt + HOUR_MS + 7 * 60_000],
    ]);
    const sim = track(
      createSimulator({
        stations: [hourly, fiveMinute],
        mqttUrl: url,
        scenario: "clean-week",
        acceleration: 3600,
        schedule: "manual",
        dataGaps: "none",
        clock: () => real,
        resumeAfter,
      }),
    );
    expect(sim.run.startAt).toBe(startAt);
    await sim.start();
    real += 4_000; // four simulated hours
    await sim.tick();
    // Hourly: periods at +3 h only (+4 h has not ended); 5-minute: from +1 h 10 min to +3 h 55 min.
    const expected = 1 + (4 * 60 - 70) / 5;
    await waitFor(() => got.length >= expected, { what: `${expected} messages` });
    const tsByStation = (id: string) =>
      got.filter((m) => m.topic.includes(`/${id}/`)).map((m) => tsOf(m.payload) - startAt);
    expect(tsByStation(hourly.id)).toEqual([3 * HOUR_MS]);
    const fives = tsByStation(fiveMinute.id);
    expect(fives[0]).toBe(HOUR_MS + 10 * 60_000);
    expect(fives).toHaveLength(expected - 1);
  });

  it("real time: history up to the start and the feed publish every period once, at a start and at a restart mid-period", async () => {
    const url = await startBroker();
    const { got } = await subscriber(url);
    const hourly = registry.get("ld-aq-01");
    const fiveMinute = registry.get("ld-noi-01");
    if (hourly?.reportingIntervalMs !== HOUR_MS || fiveMinute?.reportingIntervalMs !== 300_000) {
      throw new Error("ld-aq-01 reports hourly and ld-noi-01 every 5 minutes");
    }
    const stations = [hourly, fiveMinute];
    const at = (beijing: string) => Date.parse(`2026-11-28T${beijing}+08:00`);
    const history = new Map<string, number[]>(stations.map((s) => [s.id, []]));
    /** What `qingshan start` does: history per station after its newest reading, up to the feed's start. */
    const generate = (sim: Simulator, newest: ReadonlyMap<string, number>, from: number) => {
      for (const station of stations) {
        const batches = generateHistory({
          stations: [station],
          scenario: "clean-week",
          from: Math.max(from, (newest.get(station.id) ?? -1) + 1),
          to: sim.run.startAt,
          startAt: sim.run.startAt,
          dataGaps: "none",
        });
        for (const batch of batches)
          history.get(station.id)?.push(...batch.observations.map((o) => Date.parse(o.ts)));
      }
    };
    const fed = (id: string) => got.filter((m) => m.topic.includes(`/${id}/`)).map((m) => tsOf(m.payload));
    let real = at("04:46:58");
    const options = {
      stations,
      mqttUrl: url,
      scenario: "clean-week",
      acceleration: 1,
      schedule: "manual",
      dataGaps: "none",
      clock: () => real,
    } as const;

    const first = track(createSimulator(options));
    expect(first.run.startAt).toBe(real);
    generate(first, new Map(), real - 3 * HOUR_MS);
    expect(history.get(hourly.id)?.at(-1)).toBe(at("03:00:00"));
    expect(history.get(fiveMinute.id)?.at(-1)).toBe(at("04:40:00"));
    await first.start();
    // A period is published once it has ended: 04:45–04:50 at 04:50, the hour 04:00 at 05:00.
    real = at("04:49:59.999");
    expect(await first.tick()).toBe(0);
    real = at("04:50:00");
    expect(await first.tick()).toBe(1);
    await waitFor(() => fed(fiveMinute.id).length === 1, { what: "the 04:45 reading" });
    expect(fed(fiveMinute.id)).toEqual([at("04:45:00")]);
    real = at("05:00:00");
    await first.tick();
    await waitFor(() => fed(hourly.id).length === 1, { what: "the 04:00 reading" });
    expect(fed(hourly.id)).toEqual([at("04:00:00")]);
    real = at("06:01:58");
    await first.tick();
    await waitFor(() => got.length === 2 + 15, { what: "the feed up to 06:01:58" });
    await first.stop();

    // Restarted at 06:44:58 (down since 06:01:58), after the newest reading of each station.
    real = at("06:44:58");
    const newest = new Map(stations.map((s) => [s.id, Math.max(...(history.get(s.id) ?? []), ...fed(s.id))]));
    const second = track(createSimulator({ ...options, resumeAfter: newest }));
    generate(second, newest, real - 3 * HOUR_MS);
    await second.start();
    real = at("07:04:58");
    await second.tick();
    await waitFor(() => got.length === 17 + 1 + 4, { what: "the feed up to 07:04:58" });

    for (const [station, first, last] of [
      [hourly, at("02:00:00"), at("06:00:00")],
      [fiveMinute, at("01:50:00"), at("06:55:00")],
    ] as const) {
      const periods: number[] = [];
      for (let t = first; t <= last; t += station.reportingIntervalMs) periods.push(t);
      const all = [...(history.get(station.id) ?? []), ...fed(station.id)].sort((a, b) => a - b);
      // Every period once: no gap between history and feed, nothing published twice.
      expect(all.map((t) => toBeijingIso(t))).toEqual(periods.map((t) => toBeijingIso(t)));
    }
    expect(fed(hourly.id).map((t) => toBeijingIso(t))).toEqual(
      ["04:00", "05:00", "06:00"].map((hm) => toBeijingIso(at(`${hm}:00`))),
    );
  });

  it("runs on its own timer until stopped, and caps each step", async () => {
    const url = await startBroker();
    const { got } = await subscriber(url, "stations/ld-aq-01/air");
    const sim = track(
      createSimulator({
        stations: registry.stations,
        mqttUrl: url,
        scenario: "clean-week",
        acceleration: 360_000, // 100 simulated hours per real second
        tickIntervalMs: 20,
        maxPublishPerTick: 50,
      }),
    );
    await sim.start();
    await waitFor(() => got.length >= 5, { what: "five hourly messages of ld-aq-01" });
    await sim.stop();
    const count = got.length;
    const stamps = got.map((m) => Date.parse(JSON.parse(m.payload).ts));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(new Set(stamps).size).toBe(stamps.length);
    expect(sim.stats().published).toBeGreaterThanOrEqual(count);
  });

  it.each([1, 3600])(
    "station-silent at ×%i: the silence runs in real time from the start, not replayed",
    async (acceleration) => {
      const url = await startBroker();
      const { got } = await subscriber(url, "stations/+/air");
      const started = Date.parse("2026-11-28T12:20:00+08:00");
      let real = started;
      const sim = track(
        createSimulator({
          stations: registry.stations.filter((s) => s.kind === "air"),
          mqttUrl: url,
          scenario: "station-silent",
          acceleration,
          schedule: "manual",
          dataGaps: "none",
          clock: () => real,
        }),
      );
      // replayHours 0: accelerated, the scenario starts on the hour in progress, not in the past.
      expect(sim.run.startAt).toBe(acceleration === 1 ? started : started - 20 * 60_000);
      await sim.start();
      real = started + 10 * HOUR_MS; // 22:20: the hours 12:00 … 21:00 have ended
      await sim.tick();
      // ×1: [12:20, 20:20) silences 12:00 … 20:00; ×3600: [12:00, 20:00) silences 12:00 … 19:00.
      const bihu = acceleration === 1 ? ["21:00"] : ["20:00", "21:00"];
      await waitFor(() => got.length >= 8 * 10 + bihu.length, {
        what: "10 hours of 8 air stations and Bihu's",
      });
      const hoursOf = (id: string) =>
        got
          .filter((m) => m.topic === `stations/${id}/air`)
          .map((m) => (JSON.parse(m.payload) as { ts: string }).ts.slice(11, 16));
      expect(hoursOf("ld-aq-04")).toEqual(bihu);
      expect(hoursOf("ld-aq-01")).toHaveLength(10);
      expect(sim.stats().skipped).toBe(10 - bihu.length);
    },
  );

  it("backfills history as array payloads of at most 500 observations", async () => {
    const url = await startBroker();
    const { got } = await subscriber(url, "stations/ld-noi-01/noi");
    const now = Date.parse("2026-11-28T12:00:00+08:00");
    const sim = track(
      createSimulator({
        stations: registry.stations.filter((s) => s.id === "ld-noi-01"),
        mqttUrl: url,
        scenario: "clean-week",
        schedule: "manual",
        dataGaps: "none",
        clock: () => now,
      }),
    );
    await sim.start();
    const summary = await sim.backfill({ from: now - 3 * DAY_MS, to: now });
    expect(summary).toEqual({ batches: 2, observations: 864 });
    await waitFor(() => got.length === 2, { what: "two backfill messages" });
    const sizes = got.map((m) => JSON.parse(m.payload).length);
    expect(sizes).toEqual([500, 364]);
    const readings = got.flatMap(
      (m) => decodeStationMessage(m.topic, m.payload, { now, lookupStation: registry.get }).readings,
    );
    expect(readings).toHaveLength(864 * 3);
  });
});

const mosquitto = await requireService("mosquitto", () => tcpReachable("127.0.0.1", 1883));

describe.skipIf(!mosquitto.available)(`simulator over the machine's Mosquitto${mosquitto.note}`, () => {
  it("publishes with QoS 1 and the messages arrive", async () => {
    const url = "mqtt://127.0.0.1:1883";
    const station = registry.get("ld-wq-09");
    const prefix = `stations/${station?.id}/water`;
    const { got } = await subscriber(url, prefix);
    let real = Date.now();
    const sim = track(
      createSimulator({
        stations: station ? [station] : [],
        mqttUrl: url,
        scenario: "clean-week",
        acceleration: 3600,
        schedule: "manual",
        dataGaps: "none",
        clock: () => real,
        clientId: `qingshan-sim-test-${process.pid}`,
      }),
    );
    await sim.start();
    real += 5_000;
    await sim.tick();
    // The broker is shared: count only this run's messages (time-stamped inside its simulated window).
    const ours = () => got.filter((m) => tsOf(m.payload) >= sim.run.startAt);
    await waitFor(() => ours().length >= 4, { what: "four messages through Mosquitto" });
    for (const m of ours()) {
      expect(
        decodeStationMessage(m.topic, m.payload, { now: real, lookupStation: registry.get }).rejections,
      ).toEqual([]);
    }
  });
});
