import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCalc } from "./run-calc.ts";

async function calc(name: string, lines: readonly string[]): Promise<{ code: number; out: unknown[] }> {
  const input = PassThrough.from([`${lines.join("\n")}\n`]);
  const output = new PassThrough();
  const chunks: string[] = [];
  output.on("data", (c: Buffer) => chunks.push(c.toString()));
  const code = await runCalc(name, input, output);
  const out = chunks
    .join("")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as unknown);
  return { code, out };
}

// The example packet of packages/hj212/README.md (its own test checks length and CRC).
const packetA = /<!-- example-packet -->\n```text\n(.*)\\r\\n\n```/
  .exec(readFileSync(join(import.meta.dirname, "../../../../packages/hj212/README.md"), "utf8"))
  ?.at(1)
  ?.concat("\r\n") as string;

describe("qingshan calc", () => {
  it("aqi: one output line per case, in order, a bad line in the middle does not stop the rest", async () => {
    const { code, out } = await calc("aqi", [
      JSON.stringify({
        standard: "HJ633-2026",
        period: "day",
        concentrations: { so2_24h: 9, no2_24h: 35, co_24h: 0.9, o3_8h: 95, pm10_24h: 100, pm25_24h: 88 },
      }),
      "{not json",
      JSON.stringify({ period: "week", concentrations: {} }),
      JSON.stringify({ date: "2026-01-15", period: "day", concentrations: { co_24h: 2.2 } }),
    ]);
    expect(code).toBe(1);
    expect(out[0]).toEqual({
      standard: "HJ633-2026",
      aqi: 126,
      iaqi: { so2_24h: 9, no2_24h: 44, co_24h: 23, o3_8h: 48, pm10_24h: 86, pm25_24h: 126 },
      primary: ["pm25"],
      level: 3,
      category: { zh: "轻度污染", en: "Lightly polluted", color: "#FF7E00" },
    });
    expect(out[1]).toEqual({ error: expect.stringMatching(/^not JSON/) });
    expect(out[2]).toEqual({ error: expect.stringMatching(/^period: .*"hour"\|"day".*received "week"/) });
    expect(out[3]).toMatchObject({ standard: "HJ633-2012", aqi: 55, iaqi: { co_24h: 55 }, primary: ["co"] });
    // "Exceeding pollutant" is a 2012 notion only (HJ 633-2026 deleted it).
    expect(out[0]).not.toHaveProperty("exceeding");
    expect(out[3]).toHaveProperty("exceeding", []);
  });

  it("aqi: names the indicators missing, as GET /api/v1/aqi does (the README example)", async () => {
    const { code, out } = await calc("aqi", [
      JSON.stringify({ period: "day", date: "2026-06-01", concentrations: { pm25_24h: 88, pm10_24h: 100 } }),
      // HJ 633-2026 §5.3.1: AQI ≤ 100 with pollutants missing is withheld, and says which are missing.
      JSON.stringify({ period: "day", date: "2026-06-01", concentrations: { pm25_24h: 30, pm10_24h: 40 } }),
    ]);
    expect(code).toBe(0);
    expect(out[0]).toEqual({
      standard: "HJ633-2026",
      aqi: 126,
      iaqi: { pm10_24h: 86, pm25_24h: 126 },
      primary: ["pm25"],
      level: 3,
      category: { zh: "轻度污染", en: "Lightly polluted", color: "#FF7E00" },
      missing: ["so2_24h", "no2_24h", "co_24h", "o3_8h"],
    });
    expect(out[1]).toMatchObject({
      aqi: null,
      withheld: { aqi: 43 },
      missing: ["so2_24h", "no2_24h", "co_24h", "o3_8h"],
    });
  });

  it("aqi: an unknown concentration key lists the valid keys", async () => {
    const { code, out } = await calc("aqi", [
      JSON.stringify({ period: "day", concentrations: { pm25: 88 } }),
    ]);
    expect(code).toBe(1);
    expect(out[0]).toEqual({
      error:
        'concentrations: Unrecognized key: "pm25" (received {"pm25":88}); valid keys: so2_1h, so2_24h, no2_1h, ' +
        "no2_24h, co_1h, co_24h, o3_1h, o3_8h, pm10_1h, pm10_24h, pm25_1h, pm25_24h",
    });
  });

  it("aqi: names each given indicator the report does not use, and why; missing follows the PM basis used", async () => {
    const { code, out } = await calc("aqi", [
      JSON.stringify({ period: "hour", standard: "HJ633-2026", concentrations: { pm25_24h: 80 } }),
      JSON.stringify({
        period: "day",
        date: "2026-06-01",
        concentrations: { pm25_24h: 80, o3_1h: 200, o3_8h: 100 },
      }),
      JSON.stringify({ period: "hour", date: "2013-12-31", concentrations: { pm25_1h: 80 } }),
      JSON.stringify({
        period: "hour",
        date: "2013-12-31",
        concentrations: { so2_1h: 100, so2_24h: 30, pm25_1h: 80, pm25_24h: 70, pm10_24h: null },
      }),
      JSON.stringify({ period: "hour", date: "2013-12-31", concentrations: { so2_1h: 850, so2_24h: 300 } }),
    ]);
    // Not refused: a file of cases spanning both editions still gets a result on every line.
    expect(code).toBe(0);
    expect(out[0]).toEqual({
      standard: "HJ633-2026",
      aqi: null,
      iaqi: {},
      primary: [],
      level: null,
      category: null,
      missing: ["so2_1h", "no2_1h", "pm10_1h", "co_1h", "o3_1h", "pm25_1h"],
      ignored: {
        pm25_24h:
          "not an indicator of the HJ633-2026 real-time (hour) report, whose indicators are so2_1h, no2_1h, " +
          "pm10_1h, co_1h, o3_1h, pm25_1h: HJ 633-2026 indexes the six 1-h means in a real-time report " +
          "(1-h PM on the daily columns)",
      },
    });
    expect(out[1]).toMatchObject({
      standard: "HJ633-2026",
      iaqi: { o3_8h: 50, pm25_24h: 119 },
      ignored: { o3_1h: expect.stringMatching(/O3 1-h is no longer a daily indicator/) },
    });
    expect(Object.keys((out[1] as { ignored: object }).ignored)).toEqual(["o3_1h"]);
    // HJ 633-2012 real-time, only the 1-h PM2.5 given: indexed hourly, and PM10 missing on that basis.
    expect(out[2]).toEqual({
      standard: "HJ633-2012",
      aqi: 107,
      iaqi: { pm25_1h: 107 },
      primary: ["pm25"],
      exceeding: ["pm25"],
      level: 3,
      category: { zh: "轻度污染", en: "Lightly polluted", color: "#FF7E00" },
      pmBasis: "hourly",
      missing: ["so2_1h", "no2_1h", "pm10_1h", "co_1h", "o3_1h", "o3_8h"],
    });
    // Both PM2.5 values (the 2012 text's rolling basis before 2014) and a 24-h SO2 with SO2 1-h ≤ 800.
    expect(out[3]).toMatchObject({
      iaqi: { so2_1h: 34, pm25_24h: 94 },
      pmBasis: "rolling24h",
      missing: ["no2_1h", "pm10_24h", "co_1h", "o3_1h", "o3_8h"],
    });
    const ignored3 = (out[3] as { ignored: Record<string, string> }).ignored;
    expect(Object.keys(ignored3).sort()).toEqual(["pm25_1h", "so2_24h"]);
    expect(ignored3.pm25_1h).toMatch(/here rolling24h \(pm25_24h\).*options\.pmRealtimeBasis2012/);
    expect(ignored3.so2_24h).toMatch(/only when so2_1h is above 800 µg\/m³ \(so2_1h is 100\)/);
    // SO2 1-h above 800: the 24-h SO2 mean is used (HJ 633-2012 Table 1 note), so not ignored.
    expect(out[4]).toMatchObject({ aqi: 124, iaqi: { so2_1h: 124 } });
    expect(out[4]).not.toHaveProperty("ignored");
  });

  it("water: DO is a lower bound and TN at a river is reference only", async () => {
    const { code, out } = await calc("water", [
      JSON.stringify({
        waterBody: "river",
        values: { ph: 7.2, do: 4.2, codmn: 3.1, nh3n: 0.35, tp: 0.06, tn: 2.1, cond: 250 },
      }),
    ]);
    expect(code).toBe(0);
    expect(out[0]).toEqual({
      class: "IV",
      parameterClasses: { ph: "I", do: "IV", codmn: "II", nh3n: "II", tp: "II" },
      deciding: ["do"],
      referenceOnly: ["tn"],
      notAssessed: ["cond"],
      targetClass: "III",
      meetsTarget: false,
      exceedance: {},
      mainPollutants: [{ metric: "do", class: "IV", exceedance: null }],
    });
  });

  it("water: exceedance multiples as published, 2 decimals (as GET /water/class), with the main pollutants", async () => {
    const { out } = await calc("water", [
      JSON.stringify({ waterBody: "river", values: { ph: 7.0, do: 5.5, codmn: 10, nh3n: 2.6, tp: 0.28 } }),
    ]);
    expect(out[0]).toMatchObject({
      class: "劣V",
      exceedance: { codmn: 0.67, nh3n: 1.6, tp: 0.4 },
      mainPollutants: [
        { metric: "nh3n", class: "劣V", exceedance: 1.6 },
        { metric: "codmn", class: "IV", exceedance: 0.67 },
        { metric: "tp", class: "IV", exceedance: 0.4 },
      ],
    });
  });

  it("water: meetsTarget against the target given, else Class III, and null when nothing is assessed (as GET /water/class)", async () => {
    const { code, out } = await calc("water", [
      JSON.stringify({ waterBody: "river", values: {} }),
      JSON.stringify({ waterBody: "river", targetClass: "II", values: { temp: 18, cond: 250 } }),
      JSON.stringify({ waterBody: "river", targetClass: "IV", values: { do: 4.2 } }),
    ]);
    expect(code).toBe(0);
    expect(out[0]).toEqual({
      class: null,
      parameterClasses: {},
      deciding: [],
      referenceOnly: [],
      notAssessed: [],
      targetClass: "III",
      meetsTarget: null,
      exceedance: {},
      mainPollutants: [],
    });
    expect(out[1]).toMatchObject({ class: null, targetClass: "II", meetsTarget: null });
    expect(out[2]).toMatchObject({ class: "IV", targetClass: "IV", meetsTarget: true });
  });

  it("noi: grades with the provisional default scheme, and says it is provisional", async () => {
    const { out } = await calc("noi", [
      JSON.stringify({ noi: 1199 }),
      JSON.stringify({ noi: 1200 }),
      JSON.stringify({ noi: 1200, scheme: "candidate-b" }),
    ]);
    expect(out).toEqual([
      { grade: "II", zh: "有利于健康", en: "beneficial to health", scheme: "candidate-a", provisional: true },
      {
        grade: "I",
        zh: "非常有利于健康，空气清新",
        en: "very beneficial to health, air fresh",
        scheme: "candidate-a",
        provisional: true,
      },
      { grade: "II", zh: "Ⅱ级", en: "Grade II", scheme: "candidate-b", provisional: true },
    ]);
  });

  it("hj212: decodes a valid packet and reports a corrupt one", async () => {
    const { code, out } = await calc("hj212", [
      JSON.stringify({ packet: packetA }),
      JSON.stringify({ packet: packetA.replace("EB01", "ABCD") }),
    ]);
    expect(code).toBe(0);
    expect(out[0]).toMatchObject({
      valid: true,
      st: "22",
      cn: "2011",
      flag: { needAck: false, split: false, version: 1 },
      dataTime: "2026-11-28T10:30:00+08:00",
      values: { pm25: { value: 35, flag: "N" }, co: { value: 0.8, flag: "N" } },
    });
    expect(out[1]).toEqual({ valid: false, error: "crc-mismatch: expected EB01, got ABCD" });
  });

  it("runs as `pnpm qingshan calc` with exit status 1 after a bad line", () => {
    const root = join(import.meta.dirname, "../../../..");
    const result = spawnSync("node", ["--import", "tsx", "services/cli/src/main.ts", "calc", "noi"], {
      cwd: root,
      input: '{"noi":500}\nnope\n{"noi":99}\n',
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    const lines = result.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.grade ?? "error")).toEqual(["II", "error", "IV"]);
  });
});
