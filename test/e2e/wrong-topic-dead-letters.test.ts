import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toBeijingIso } from "@qingshan/domain";
import { buildPacket } from "@qingshan/hj212";
import { waitFor } from "@qingshan/testkit";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../services/cli/src/config.ts";
import { type RunningPipeline, startPipeline } from "../../services/cli/src/start.ts";
import { loopbackEnv } from "./support/loopback-env.ts";

// The new user's walkthrough: `qingshan start` with the embedded broker (free ports, no demo feed),
// an MQTT 3.1.1 station publishing at QoS 1, the dead letters read back from the store via the API.
const root = join(import.meta.dirname, "../..");
const AIR_MN = "LDAQ0000000000000000003C"; // ld-aq-03 in seeds/liandu/stations.json
const HOUR = 3_600_000;
let pipeline: RunningPipeline;
let dataDir: string;
let client: mqtt.MqttClient;

interface Letter {
  origin: string;
  stationId?: string;
  code: string;
  path: string;
  message: string;
}

async function deadLetters(query: string): Promise<Letter[]> {
  const response = await fetch(`${pipeline.apiUrl}/api/v1/deadletters?${query}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { deadLetters: Letter[] }).deadLetters;
}

/** An HJ 212 hourly air packet (CN=2061) for ld-aq-03 with DataTime `t` (Beijing wall time). */
function hourlyPacket(t: number): string {
  const dataTime = toBeijingIso(t).slice(0, 19).replace(/\D/g, "");
  return buildPacket({
    qn: `${dataTime}000`,
    st: "22",
    cn: "2061",
    pw: "123456",
    mn: AIR_MN,
    flag: 4,
    cp: `DataTime=${dataTime};a34004-Avg=35,a34004-Flag=N`,
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "qingshan-e2e-topics-"));
  const config = loadConfig({
    root,
    env: { ...(await loopbackEnv(dataDir)), QINGSHAN_SIMULATOR: "off" },
  });
  pipeline = await startPipeline(config);
  client = await mqtt.connectAsync(pipeline.brokerUrl, { clientId: "e2e-wrong-topics", protocolVersion: 4 });
});

afterAll(async () => {
  await client?.endAsync();
  await pipeline?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("what the embedded broker acknowledges is stored or dead-lettered, never lost", () => {
  it("stores a topic.invalid dead letter for each wrong or mistyped topic, and none for Qingshan's own", async () => {
    const reading = JSON.stringify({ ts: Date.now() - 60_000, values: { pm25: 35 } });
    const wrong = [
      "stations/ld-aq-02",
      "stations/ld-aq-02/air/extra",
      "station/ld-aq-02/air",
      "stations/ld-aq-02/",
      "stations//air",
      "hj212",
    ];
    for (const topic of wrong) await client.publishAsync(topic, reading, { qos: 1 });
    // The notifier's alert events and HJ 212 replies travel on the same broker.
    await client.publishAsync("alerts/ld-aq-02", '{"alertId":"a"}', { qos: 1 });
    await client.publishAsync(`hj212/${AIR_MN}/reply`, "##0000&&0000\r\n", { qos: 1 });
    // PUBACK came after the store: the letters are there now.
    const letters = await deadLetters("code=topic.invalid");
    expect(letters.map((l) => l.origin).sort()).toEqual([...wrong].sort());
    const mistyped = letters.find((l) => l.origin === "station/ld-aq-02/air");
    expect(mistyped).toMatchObject({
      stationId: "ld-aq-02",
      message:
        'topic.invalid: wrong topic "station/ld-aq-02/air", expected stations/{stationId}/{kind} for JSON or hj212/{MN} for HJ 212',
    });
  });

  it("dead-letters a reading whose values are empty, naming the path", async () => {
    await client.publishAsync("stations/ld-aq-04/air", JSON.stringify({ ts: Date.now(), values: {} }), {
      qos: 1,
    });
    expect(await deadLetters("station=ld-aq-04")).toEqual([
      expect.objectContaining({
        code: "payload.invalid",
        path: "values",
        message: 'payload.invalid: "values" is {}, expected at least one metric (values is empty)',
      }),
    ]);
  });

  it("gives the times of a too-old or future HJ 212 DataTime in Beijing time", async () => {
    const hour = Math.floor(Date.now() / HOUR) * HOUR;
    const old = hour - 30 * 24 * HOUR;
    const future = hour + 3 * HOUR;
    await client.publishAsync(`hj212/${AIR_MN}`, hourlyPacket(old), { qos: 1 });
    await client.publishAsync(`hj212/${AIR_MN}`, hourlyPacket(future), { qos: 1 });
    const letters = await waitFor(
      async () => {
        const list = await deadLetters("station=ld-aq-03");
        return list.length === 2 ? list : undefined;
      },
      { what: "both HJ 212 dead letters" },
    );
    const byCode = Object.fromEntries(letters.map((l) => [l.code, l.message]));
    expect(byCode["ts.too_late"]).toMatch(
      new RegExp(
        `^ts\\.too_late: "CP\\.DataTime" is "${toBeijingIso(old).replace(/[.+]/g, "\\$&")}", expected no older than 7 days before now \\(configured lateness\\): from \\d{4}-\\d\\d-\\d\\dT[\\d:.]+\\+08:00 on$`,
      ),
    );
    expect(byCode["ts.future"]).toMatch(
      new RegExp(
        `^ts\\.future: "CP\\.DataTime" is "${toBeijingIso(future).replace(/[.+]/g, "\\$&")}", expected no later than 5 min after now \\(allowed clock skew\\): up to \\d{4}-\\d\\d-\\d\\dT[\\d:.]+\\+08:00$`,
      ),
    );
  });
});
