import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importCsv } from "@qingshan/importer";
import { loadStationRegistry } from "@qingshan/simulator";
import { freePort, waitFor } from "@qingshan/testkit";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../services/cli/src/config.ts";
import { createApiSubmit } from "../../services/cli/src/import.ts";
import { type RunningPipeline, startPipeline } from "../../services/cli/src/start.ts";
import { loopbackEnv } from "./support/loopback-env.ts";

// The path a new user takes: `qingshan start` with the embedded defaults (here on free ports and
// without the demo feed, so the assertions see only what this test publishes).
const root = join(import.meta.dirname, "../..");
let pipeline: RunningPipeline;
let dataDir: string;
let client: mqtt.MqttClient;

async function getJson(path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${pipeline.apiUrl}${path}`);
  expect(response.status, path).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

/**
 * The readings the API serves for `path` once there are `count`: an acknowledged reading is durable
 * in the writer's log at once and queryable after the next store write (writer.log.lingerMs, 100 ms).
 */
async function readingsOnceStored<T>(path: string, count: number): Promise<T[]> {
  return waitFor(
    async () => {
      const list = (await getJson(path)).readings as T[];
      return list.length >= count ? list : undefined;
    },
    { timeoutMs: 5000, what: `${count} readings at ${path}` },
  );
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "qingshan-e2e-"));
  const config = loadConfig({
    root,
    env: {
      ...(await loopbackEnv(dataDir)),
      QINGSHAN_HJ212_PORT: String(await freePort()),
      QINGSHAN_SIMULATOR: "off",
    },
  });
  pipeline = await startPipeline(config);
  client = await mqtt.connectAsync(pipeline.brokerUrl, { clientId: "e2e-station", protocolVersion: 4 });
});

afterAll(async () => {
  await client?.endAsync();
  await pipeline?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("embedded pipeline (qingshan start)", () => {
  it("stores a JSON reading published over MQTT and serves it through the API", async () => {
    const ts = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    await client.publishAsync(
      "stations/ld-aq-01/air",
      JSON.stringify({ ts, values: { pm25: 88, so2: 9 }, period: "PT1H" }),
      { qos: 1 },
    );
    const readings = await waitFor(
      async () => {
        const body = await getJson(
          `/api/v1/readings?station=ld-aq-01&metric=pm25&from=${new Date(ts).toISOString()}&to=${new Date(ts + 1000).toISOString()}`,
        );
        const list = body.readings as Array<{ value: number }>;
        return list.length > 0 ? list : undefined;
      },
      { what: "the pm25 reading in the API" },
    );
    expect(readings[0]?.value).toBe(88);
  });

  it("stores an HJ 212 packet sent over TCP and answers it with the 9014 data response", async () => {
    const packet =
      "##0443QN=20261128100012456;ST=21;CN=2061;PW=123456;MN=LDWQ0000000000000000002B;Flag=5;CP=&&DataTime=20261128090000;w01001-Min=7.18,w01001-Avg=7.24,w01001-Max=7.31,w01001-Flag=N;w01009-Min=6.52,w01009-Avg=6.71,w01009-Max=6.90,w01009-Flag=N;w01019-Avg=2.9,w01019-Flag=N;w21003-Avg=0.31,w21003-Flag=N;w21011-Avg=0.074,w21011-Flag=N;w21001-Avg=1.48,w21001-Flag=N;w01014-Avg=236,w01014-Flag=N;w01003-Avg=11.2,w01003-Flag=N;w01010-Avg=14.6,w01010-Flag=N&&09C0\r\n";
    // The example packet is dated 2026-11-28 09:00 Beijing; rewrite its DataTime to the last hour so it is
    // within the configured lateness, and recompute nothing by hand: the CRC is the codec's job.
    const { buildPacket, parsePacket } = await import("@qingshan/hj212");
    const parsed = parsePacket(packet);
    const hourStart = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    const dataTime = new Date(hourStart + 8 * 3_600_000).toISOString().replace(/\D/g, "").slice(0, 14);
    const cpStart = packet.indexOf("CP=&&") + 5;
    const cp = packet
      .slice(cpStart, packet.lastIndexOf("&&"))
      .replace("DataTime=20261128090000", `DataTime=${dataTime}`);
    const fresh = buildPacket({
      qn: parsed.qn,
      st: parsed.st,
      cn: parsed.cn,
      pw: parsed.pw,
      mn: parsed.mn,
      flag: 5,
      cp,
    });
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = tcpConnect(pipeline.hj212Port as number, "127.0.0.1", () => socket.write(fresh));
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString();
        if (text.endsWith("\r\n")) {
          socket.end();
          resolve(text);
        }
      });
      socket.on("error", reject);
    });
    expect(reply).toMatch(
      /^##0087QN=20261128100012456;ST=91;CN=9014;PW=123456;MN=LDWQ0000000000000000002B;Flag=4;CP=&&&&[0-9A-F]{4}\r\n$/,
    );
    // The reply is sent only after hand-off (synced to the writer's log); stored within the linger.
    const readings = await readingsOnceStored<{ value: number }>(
      `/api/v1/readings?station=ld-wq-05&metric=nh3n&from=${new Date(hourStart).toISOString()}&to=${new Date(hourStart + 1000).toISOString()}`,
      1,
    );
    expect(readings.map((r) => r.value)).toEqual([0.31]);
  });

  it("dead-letters a malformed message with a reason and keeps the good values beside a bad one", async () => {
    const ts = Date.now() - 60_000;
    await client.publishAsync("stations/ld-aq-02/air", '{"ts": oops}', { qos: 1 });
    await client.publishAsync(
      "stations/ld-aq-02/air",
      JSON.stringify({ ts, values: { pm10: 61, no2: "n/a" } }),
      { qos: 1 },
    );
    const letters = await waitFor(
      async () => {
        const body = await getJson("/api/v1/deadletters?station=ld-aq-02");
        const list = body.deadLetters as Array<{ code: string; message: string }> | undefined;
        return list && list.length >= 2 ? list : undefined;
      },
      { what: "two dead letters for ld-aq-02" },
    );
    expect(letters.map((l) => l.code).sort()).toEqual(["payload.malformed", "value.not_number"]);
    expect(letters.find((l) => l.code === "value.not_number")?.message).toBe(
      'value.not_number: "values.no2" is "n/a", expected a number',
    );
    const readings = await readingsOnceStored<{ value: number }>(
      `/api/v1/readings?station=ld-aq-02&metric=pm10&from=${new Date(ts).toISOString()}&to=${new Date(ts + 1).toISOString()}`,
      1,
    );
    expect(readings.map((r) => r.value)).toEqual([61]);
  });

  it("imports CSV history through the API's import endpoint, beyond the live lateness, with a summary", async () => {
    const file = join(dataDir, "history.csv");
    writeFileSync(
      file,
      [
        "station,ts,metric,value,flag",
        "ld-aq-03,2025-01-15T10:00:00+08:00,pm25,41,N",
        "ld-aq-03,2025-01-15T11:00:00+08:00,pm25,-3,N",
        "ld-aq-03,2025-01-15T12:00:00+08:00,pm25,43,C",
        "nowhere,2025-01-15T12:00:00+08:00,pm25,43,N",
      ].join("\n"),
    );
    const summary = await importCsv(file, {
      submit: createApiSubmit(pipeline.apiUrl),
      stations: loadStationRegistry(join(root, "seeds/liandu/stations.json")),
    });
    expect(summary.accepted).toBe(2);
    expect(summary.byReason["value.out_of_range"]).toBe(1);
    expect(summary.rejected).toBe(2);
    const readings = await readingsOnceStored<{ value: number; flag: string }>(
      "/api/v1/readings?station=ld-aq-03&metric=pm25&from=2025-01-15T00:00:00%2B08:00&to=2025-01-16T00:00:00%2B08:00",
      2,
    );
    expect(readings.map((r) => [r.value, r.flag])).toEqual([
      [41, "N"],
      [43, "C"],
    ]);
  });
});
