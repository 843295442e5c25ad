import { describe, expect, it } from "vitest";
import { createStationRegistry } from "./registry.ts";
import { decodeStationMessage, normalizeUnit, parseIsoDuration } from "./wire.ts";

const registry = createStationRegistry([
  {
    id: "ld-aq-01",
    name: { zh: "市监测站", en: "City station" },
    kind: "air",
    location: { lat: 28.45, lon: 119.92 },
    township: "万象街道",
  },
  {
    id: "ld-wq-01",
    name: { zh: "开潭", en: "Kaitan" },
    kind: "water",
    location: { lat: 28.43, lon: 119.9 },
    township: "紫金街道",
    water: { waterBody: "river", river: "瓯江" },
  },
]);
const now = Date.parse("2026-11-28T02:00:00Z");
const ctx = { now, lookupStation: registry.get };

describe("decodeStationMessage", () => {
  it("decodes one observation into readings in canonical form", () => {
    const result = decodeStationMessage(
      "stations/ld-aq-01/air",
      JSON.stringify({
        ts: "2026-11-28T10:00:00+08:00",
        values: { pm25: 35, co: 0.8 },
        flags: { co: "C" },
        period: "PT1H",
      }),
      ctx,
    );
    expect(result.rejections).toEqual([]);
    expect(result.readings).toEqual([
      {
        stationId: "ld-aq-01",
        metric: "pm25",
        ts: now,
        periodMs: 3_600_000,
        value: 35,
        flag: "N",
        source: "mqtt-json",
        receivedAt: now,
      },
      {
        stationId: "ld-aq-01",
        metric: "co",
        ts: now,
        periodMs: 3_600_000,
        value: 0.8,
        flag: "C",
        source: "mqtt-json",
        receivedAt: now,
      },
    ]);
  });

  it("accepts epoch milliseconds and arrays (backfill)", () => {
    const payload = JSON.stringify([
      { ts: now - 3_600_000, values: { pm25: 30 } },
      { ts: now, values: { pm25: 31 } },
    ]);
    const result = decodeStationMessage("stations/ld-aq-01/air", payload, ctx);
    expect(result.readings.map((r) => [r.ts, r.value])).toEqual([
      [now - 3_600_000, 30],
      [now, 31],
    ]);
  });

  it("rejects a bad value but lets the good values beside it through", () => {
    const payload = `{"ts":${now},"values":{"pm25":35,"so2":"high","no2":-4,"xyz":1,"ph":7,"o3":1e400}}`;
    const result = decodeStationMessage("stations/ld-aq-01/air", payload, ctx);
    expect(result.readings.map((r) => r.metric)).toEqual(["pm25"]);
    expect(result.rejections.map((r) => [r.code, r.path])).toEqual([
      ["value.not_number", "values.so2"],
      ["value.out_of_range", "values.no2"],
      ["metric.unknown", "values.xyz"],
      ["metric.not_at_station", "values.ph"],
      ["value.not_finite", "values.o3"],
    ]);
    expect(result.rejections[0]?.message).toBe('value.not_number: "values.so2" is "high", expected a number');
    expect(result.rejections[1]?.message).toMatch(/"values.no2" is -4, expected 0…5000 µg\/m³/);
  });

  it("rejects only the bad observation of an array, naming its index", () => {
    const payload = JSON.stringify([
      { ts: now, values: { pm25: 30 } },
      { values: { pm25: 31 } },
      { ts: "yesterday", values: {} },
    ]);
    const result = decodeStationMessage("stations/ld-aq-01/air", payload, ctx);
    expect(result.readings).toHaveLength(1);
    expect(result.rejections.map((r) => [r.code, r.path])).toEqual([
      ["payload.invalid", "[1].ts"],
      ["payload.invalid", "[2].ts"],
    ]);
    expect(result.rejections[1]?.received).toBe("yesterday");
  });

  it("says what a bad field received and what the wire contract expects, not the validator's words", () => {
    const payload = JSON.stringify([
      { ts: "yesterday", values: { pm25: 1 } },
      { ts: true, values: 3 },
      { ts: now, values: {}, period: 60, units: { pm25: 5 } },
      "pm25=1",
    ]);
    const messages = decodeStationMessage("stations/ld-aq-01/air", payload, ctx).rejections.map(
      (r) => r.message,
    );
    const ts =
      "an ISO 8601 date-time with an offset such as 2026-11-30T08:00:00+08:00, or epoch milliseconds (a non-negative integer)";
    expect(messages).toEqual([
      `payload.invalid: "[0].ts" is "yesterday", expected ${ts}`,
      `payload.invalid: "[1].ts" is true, expected ${ts}`,
      'payload.invalid: "[1].values" is 3, expected an object of metric id → number',
      'payload.invalid: "[2].period" is 60, expected an ISO 8601 duration such as "PT1H"',
      'payload.invalid: "[2].units.pm25" is 5, expected a unit text such as "µg/m³"',
      'payload.invalid: "[3]" is "pm25=1", expected an observation object { ts, values, flags?, period?, units? }',
    ]);
  });

  it.each([
    ["stations/nope/air", "{}", "station.unknown"],
    ["stations/ld-aq-01/water", "{}", "station.kind_mismatch"],
    ["station/ld-aq-01/air", "{}", "topic.invalid"],
    ["stations/ld-aq-01/air", "{not json", "payload.malformed"],
    ["stations/ld-aq-01/air", "[]", "payload.invalid"],
  ])("rejects the whole message for %s %s with %s", (topic, payload, code) => {
    const result = decodeStationMessage(topic, payload, ctx);
    expect(result.readings).toEqual([]);
    expect(result.rejections.map((r) => r.code)).toEqual([code]);
  });

  it("blames the topic, not the message, for an unknown station or a wrong kind", () => {
    const messages = ["stations/ld-aq-99/air", "stations/ld-aq-01/water"].map(
      (topic) => decodeStationMessage(topic, '{"ts":1,"values":{}}', ctx).rejections[0]?.message,
    );
    expect(messages).toEqual([
      'station.unknown: topic "stations/ld-aq-99/air" names station "ld-aq-99", expected a registered station id',
      'station.kind_mismatch: topic "stations/ld-aq-01/water" names kind "water", expected "air", the kind of station ld-aq-01',
    ]);
  });

  it("says a wrong topic is wrong, naming it and the form expected", () => {
    const [r] = decodeStationMessage("station/ld-aq-01/air", "{}", ctx).rejections;
    expect(r).toMatchObject({ code: "topic.invalid", received: "station/ld-aq-01/air" });
    expect(r?.message).toBe(
      'topic.invalid: wrong topic "station/ld-aq-01/air", expected stations/{stationId}/{kind}',
    );
  });

  it("rejects oversized payloads before parsing", () => {
    const result = decodeStationMessage("stations/ld-aq-01/air", "x".repeat(2000), {
      ...ctx,
      limits: { maxPayloadBytes: 1000 },
    });
    expect(result.rejections[0]?.code).toBe("payload.too_large");
    expect(result.rejections[0]?.message).toContain("2000 bytes");
  });

  it("rejects timestamps in the future and past the lateness", () => {
    const payload = JSON.stringify([
      { ts: now + 6 * 60_000, values: { pm25: 1 } },
      { ts: now - 8 * 86_400_000, values: { pm25: 2 } },
      { ts: now + 4 * 60_000, values: { pm25: 3 } },
    ]);
    const result = decodeStationMessage("stations/ld-aq-01/air", payload, ctx);
    expect(result.rejections.map((r) => r.code)).toEqual(["ts.future", "ts.too_late"]);
    expect(result.readings.map((r) => r.value)).toEqual([3]);
  });

  it("gives the times of ts.future and ts.too_late in Beijing time, and the limit with its origin", () => {
    const payload = JSON.stringify([
      { ts: now + 6 * 60_000, values: { pm25: 1 } },
      { ts: now - 8 * 86_400_000, values: { pm25: 2 } },
    ]);
    const messages = decodeStationMessage("stations/ld-aq-01/air", payload, ctx).rejections.map(
      (r) => r.message,
    );
    expect(messages).toEqual([
      'ts.future: "[0].ts" is "2026-11-28T10:06:00+08:00", expected no later than 5 min after now (allowed clock skew): up to 2026-11-28T10:05:00+08:00',
      'ts.too_late: "[1].ts" is "2026-11-20T10:00:00+08:00", expected no older than 7 days before now (configured lateness): from 2026-11-21T10:00:00+08:00 on',
    ]);
    const backfill = decodeStationMessage(
      "stations/ld-aq-01/air",
      JSON.stringify({ ts: now - 3661 * 86_400_000, values: { pm25: 2 } }),
      {
        ...ctx,
        limits: { maxLatenessMs: 3660 * 86_400_000, latenessOrigin: "the import's fixed backfill limit" },
      },
    );
    expect(backfill.rejections[0]?.received).toBe("2016-11-19T10:00:00+08:00");
    expect(backfill.rejections[0]?.expected).toBe(
      "no older than 3660 days before now (the import's fixed backfill limit): from 2016-11-20T10:00:00+08:00 on",
    );
  });

  it("says a ts in epoch seconds is epoch seconds, not only that 1970 is too old", () => {
    const seconds = now / 1000 - 60;
    const result = decodeStationMessage(
      "stations/ld-aq-01/air",
      JSON.stringify([
        { ts: seconds, values: { pm25: 1 } },
        { ts: 86_400_000, values: { pm25: 2 } },
      ]),
      ctx,
    );
    expect(result.rejections.map((r) => r.message)).toEqual([
      `ts.too_late: "[0].ts" is "1970-01-22T02:50:31.140+08:00", expected no older than 7 days before now (configured lateness): from 2026-11-21T10:00:00+08:00 on; ${seconds} looks like epoch seconds (2026-11-28T09:59:00+08:00): ts takes epoch milliseconds`,
      'ts.too_late: "[1].ts" is "1970-01-02T08:00:00+08:00", expected no older than 7 days before now (configured lateness): from 2026-11-21T10:00:00+08:00 on',
    ]);
  });

  it("ignores a UTF-8 byte order mark before the JSON (RFC 8259 §8.1)", () => {
    const payload = Buffer.from(`\ufeff${JSON.stringify({ ts: now, values: { pm25: 35 } })}`, "utf8");
    const result = decodeStationMessage("stations/ld-aq-01/air", payload, ctx);
    expect(result.rejections).toEqual([]);
    expect(result.readings.map((r) => [r.metric, r.value])).toEqual([["pm25", 35]]);
  });

  it("names the metric id a vendor's spelling most likely means", () => {
    const result = decodeStationMessage(
      "stations/ld-aq-01/air",
      JSON.stringify({ ts: now, values: { "PM2.5": 35, PM10: 60, ozone: 90, o3: 96 } }),
      ctx,
    );
    expect(result.rejections.map((r) => r.message)).toEqual([
      'metric.unknown: "values.PM2.5" is "PM2.5", expected a metric id of the catalogue (did you mean pm25?)',
      'metric.unknown: "values.PM10" is "PM10", expected a metric id of the catalogue (did you mean pm10?)',
      'metric.unknown: "values.ozone" is "ozone", expected a metric id of the catalogue',
    ]);
    expect(result.readings.map((r) => r.metric)).toEqual(["o3"]);
  });

  it("rejects an observation whose values are empty, naming its path, and keeps the others", () => {
    const single = decodeStationMessage(
      "stations/ld-aq-01/air",
      JSON.stringify({ ts: now, values: {} }),
      ctx,
    );
    expect(single.readings).toEqual([]);
    expect(single.rejections.map((r) => r.message)).toEqual([
      'payload.invalid: "values" is {}, expected at least one metric (values is empty)',
    ]);
    const array = decodeStationMessage(
      "stations/ld-aq-01/air",
      JSON.stringify([
        { ts: now, values: { pm25: 3 } },
        { ts: now, values: {} },
      ]),
      ctx,
    );
    expect(array.readings.map((r) => r.value)).toEqual([3]);
    expect(array.rejections.map((r) => [r.code, r.path])).toEqual([["payload.invalid", "[1].values"]]);
  });

  it("checks declared units and flags", () => {
    const payload = JSON.stringify({
      ts: now,
      values: { pm25: 30, co: 900, pm10: 50 },
      units: { pm25: "ug/m3", co: "µg/m³" },
      flags: { pm10: "Z", so2: "N" },
    });
    const result = decodeStationMessage("stations/ld-aq-01/air", payload, ctx);
    expect(result.readings.map((r) => r.metric)).toEqual(["pm25"]);
    expect(result.rejections.map((r) => [r.code, r.path])).toEqual([
      ["unit.mismatch", "units.co"],
      ["flag.unknown", "flags.pm10"],
      ["payload.invalid", "flags.so2"],
    ]);
  });

  it("rejects a bad period", () => {
    const result = decodeStationMessage(
      "stations/ld-wq-01/water",
      JSON.stringify({ ts: now, values: { ph: 7 }, period: "1 hour" }),
      ctx,
    );
    expect(result.rejections.map((r) => r.code)).toEqual(["period.invalid"]);
  });

  it("refuses a daily mean (it would stand in the day's first hour as that hour's value); the hourly one beside it goes through", () => {
    const result = decodeStationMessage(
      "stations/ld-aq-01/air",
      JSON.stringify([
        { ts: now - 86_400_000, values: { pm25: 50 }, period: "P1D" },
        { ts: now - 3_600_000, values: { pm25: 41 }, period: "PT23H59M" },
        { ts: now - 3_600_000, values: { pm25: 38 }, period: "PT1H" },
      ]),
      ctx,
    );
    expect(result.readings.map((r) => [r.value, r.periodMs])).toEqual([
      [41, 86_340_000],
      [38, 3_600_000],
    ]);
    expect(result.rejections).toEqual([
      expect.objectContaining({
        code: "period.invalid",
        path: "[0].period",
        received: "P1D",
        expected: expect.stringContaining("a period shorter than a day"),
      }),
    ]);
  });
});

describe("parseIsoDuration", () => {
  it.each([
    ["PT1H", 3_600_000],
    ["PT5M", 300_000],
    ["P1D", 86_400_000],
    ["PT30S", 30_000],
    ["P1DT1H", 90_000_000],
    ["PT", undefined],
    ["P", undefined],
    ["1H", undefined],
  ])("%s → %s", (text, ms) => expect(parseIsoDuration(text)).toBe(ms));
});

describe("normalizeUnit", () => {
  it("maps ASCII spellings to canonical units", () => {
    expect(normalizeUnit("ug/m3")).toBe("µg/m³");
    expect(normalizeUnit("mg/l")).toBe("mg/L");
    expect(normalizeUnit("个/cm³")).toBe("ions/cm³");
    expect(normalizeUnit("furlongs")).toBe("furlongs");
  });
});
