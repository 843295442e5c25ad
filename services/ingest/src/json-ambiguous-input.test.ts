import { createMemoryBus } from "@qingshan/bus";
import { MAX_JSON_DEPTH } from "@qingshan/domain";
import { freePort, waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { connectAsync, type MqttClient } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createIngest } from "./index.ts";
import { MAX_DEAD_LETTERS_PER_MESSAGE } from "./ingest-pipeline.ts";
import { type Collected, clock, collect, NOW, registry } from "./testdata/fixtures.ts";

// Inputs JSON.parse takes without complaint but that must not pass silently (QA pass): repeated
// keys, `__proto__` keys, nesting deeper than anything recurses on, and one message with thousands
// of problems. Published on the embedded broker, as a station does.

const logger = pino({ level: "silent" });
const TOPIC = "stations/ld-aq-01/air";
const TS = NOW - 60_000;
/** Published last: the session handles its messages in order, so once it is stored the rest are. */
const SENTINEL = JSON.stringify({ ts: TS, values: { o3: 77 } });

const cleanups = cleanupsAfterEach();

async function publishAll(payloads: readonly string[]): Promise<{ got: Collected; metrics: Registry }> {
  const bus = createMemoryBus();
  await bus.start();
  cleanups.push(() => bus.stop());
  const got = await collect(bus);
  const metrics = new Registry();
  const port = await freePort();
  const ingest = createIngest(
    { mqtt: { embeddedPort: port, embeddedHost: "127.0.0.1" }, hj212: { tcpPort: 0 } },
    { bus, registry, clock, logger, metricsRegistry: metrics },
  );
  await ingest.start();
  cleanups.push(() => ingest.stop());
  const client: MqttClient = await connectAsync(ingest.brokerUrl as string, {
    clientId: "station-ambiguous-json",
    protocolVersion: 4,
  });
  cleanups.push(() => client.endAsync());
  for (const payload of [...payloads, SENTINEL]) await client.publishAsync(TOPIC, payload, { qos: 1 });
  await waitFor(() => got.readings.some((r) => r.value.metric === "o3"), { what: "the sentinel reading" });
  return { got, metrics };
}

function stored(got: Collected): string[] {
  return got.readings
    .map((r) => `${r.value.metric}=${r.value.value}/${r.value.flag}`)
    .filter((r) => !r.startsWith("o3="));
}

function letters(got: Collected): Array<{ code: string; path: string; message: string; stationId?: string }> {
  return got.deadLetters.map(({ value: { code, path, message, stationId } }) => ({
    code,
    path,
    message,
    ...(stationId === undefined ? {} : { stationId }),
  }));
}

describe("a repeated JSON key", () => {
  it("inside flags rejects that metric's reading with a dead letter naming the path; the others go through", async () => {
    const { got } = await publishAll([
      `{"ts":${TS},"values":{"pm25":900,"pm10":60},"flags":{"pm25":"C","pm25":"N"}}`,
    ]);
    // Before: pm25 900 stored with flag N (the calibration value counted as valid), no dead letter.
    expect(stored(got)).toEqual(["pm10=60/N"]);
    expect(letters(got)).toEqual([
      {
        code: "payload.invalid",
        path: "flags.pm25",
        stationId: "ld-aq-01",
        message:
          'payload.invalid: "flags.pm25" is repeated (2 times, the last "N"), expected each key once in its object: a repeated JSON key is ambiguous (RFC 8259 §4), so the pm25 reading is rejected, the other metrics go through',
      },
    ]);
  });

  it("inside values rejects that metric, in every observation of a backfill array where it repeats", async () => {
    const { got } = await publishAll([
      `[{"ts":${TS},"values":{"pm25":35,"so2":8, "pm25" :36}},{"ts":${TS - 60_000},"values":{"pm25":34}}]`,
    ]);
    expect(stored(got).sort()).toEqual(["pm25=34/N", "so2=8/N"]);
    expect(letters(got).map((l) => [l.code, l.path])).toEqual([["payload.invalid", "[0].values.pm25"]]);
  });

  it("at the observation's top level rejects the whole observation", async () => {
    const { got } = await publishAll([`{"ts":${TS},"values":{"pm25":901},"values":{"pm10":5}}`]);
    // Before: pm10 5 stored, pm25 901 lost without a trace.
    expect(stored(got)).toEqual([]);
    expect(letters(got)).toEqual([
      {
        code: "payload.invalid",
        path: "values",
        stationId: "ld-aq-01",
        message:
          'payload.invalid: "values" is repeated (2 times, the last {"pm10":5}), expected each key once in its object: a repeated JSON key is ambiguous (RFC 8259 §4), so the observation is rejected',
      },
    ]);
  });

  it("is found also when written with escapes (JSON.parse reads both as the same key)", async () => {
    const { got } = await publishAll([`{"ts":${TS},"values":{"pm25":35,"pm\\u00325":36,"no2":40}}`]);
    expect(stored(got)).toEqual(["no2=40/N"]);
    expect(letters(got).map((l) => l.path)).toEqual(["values.pm25"]);
  });
});

describe("a __proto__ key", () => {
  it("in values is metric.unknown like constructor; the reading beside it is stored", async () => {
    const { got } = await publishAll([
      `{"ts":${TS},"values":{"__proto__":5,"pm10":74}}`,
      `{"ts":${TS - 60_000},"values":{"pm25":30},"flags":{"__proto__":"N"}}`,
    ]);
    expect(stored(got).sort()).toEqual(["pm10=74/N", "pm25=30/N"]);
    expect(letters(got).map((l) => l.message)).toEqual([
      'metric.unknown: "values.__proto__" is "__proto__", expected a metric id of the catalogue',
      'payload.invalid: "flags.__proto__" is "N", expected a flag only for a metric present in values',
    ]);
  });
});

describe("deeply nested JSON", () => {
  it("is a dead letter under the topic's station saying it is nested too deep and the limit", async () => {
    const { got } = await publishAll(["[".repeat(5000) + "]".repeat(5000)]);
    // Before: "payload.invalid: message is nothing … (internal error: Maximum call stack size exceeded)", no station.
    expect(letters(got)).toEqual([
      {
        code: "payload.invalid",
        path: "",
        stationId: "ld-aq-01",
        message: `payload.invalid: message is nested too deep: more than ${MAX_JSON_DEPTH} levels of arrays and objects, expected at most ${MAX_JSON_DEPTH} (an observation needs 3: the array of a backfill, the observation, its values)`,
      },
    ]);
  });
});

describe("a message with thousands of problems", () => {
  it(`makes at most ${MAX_DEAD_LETTERS_PER_MESSAGE} dead letters and one with the count of the rest; every rejection is counted`, async () => {
    const values: Record<string, number> = { pm25: 35 };
    for (let i = 0; i < 10_000; i++) values[`x${i}`] = i;
    const payload = JSON.stringify({ ts: TS, values });
    expect(payload.length).toBeGreaterThan(100_000);
    const { got, metrics } = await publishAll([payload]);
    expect(stored(got)).toEqual(["pm25=35/N"]);
    const all = letters(got);
    // Before: 10 000 dead letters, each with a 4 KiB copy of the message.
    expect(all).toHaveLength(MAX_DEAD_LETTERS_PER_MESSAGE + 1);
    expect(all.slice(0, 2).map((l) => l.path)).toEqual(["values.x0", "values.x1"]);
    expect(all.at(-1)).toEqual({
      code: "payload.invalid",
      path: "",
      stationId: "ld-aq-01",
      message: `payload.invalid: message has 9900 more problems than the ${MAX_DEAD_LETTERS_PER_MESSAGE} dead-lettered one by one before this one (at most ${MAX_DEAD_LETTERS_PER_MESSAGE} dead letters per message): 9900 metric.unknown (the first at "values.x100"); what each names was not stored either`,
    });
    expect(await metrics.metrics()).toContain(
      'qingshan_readings_rejected_total{reason="metric.unknown"} 10000',
    );
  });
});
