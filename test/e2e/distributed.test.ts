import { randomUUID } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { testKafkaBroker } from "@qingshan/bus/testing/kafka";
import { requireService, waitFor } from "@qingshan/testkit";
import {
  type PrivateMosquitto,
  requirePrivateMosquitto,
  startPrivateMosquitto,
} from "@qingshan/testkit/mosquitto";
import { type ParsedMail, startTestSmtp, type TestSmtpServer } from "@qingshan/testkit/smtp";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { influxdInstalled, type PrivateInfluxd, startPrivateInfluxd } from "./support/influxd.ts";
import {
  type QingshanProcess,
  type RunningService,
  startQingshanService,
  stopGracefully,
} from "./support/qingshan-process.ts";

// Issue 5, "How it will be checked": real Mosquitto, Kafka and InfluxDB, each service its own
// process (`qingshan run …`), a known set of readings over MQTT QoS 1 → every reading in InfluxDB
// exactly once and the expected alert by e-mail; again with the writer SIGKILLed mid-stream, with
// InfluxDB stopped for half a minute mid-stream, and with two evaluators sharing the partitions.

const ROOT = join(import.meta.dirname, "../..");
const HOUR = 3_600_000;
const STREAM = ["ld-aq-03", "ld-aq-04", "ld-aq-05", "ld-aq-06", "ld-aq-07", "ld-aq-08", "ld-aq-09"];
const stations = JSON.parse(readFileSync(join(ROOT, "seeds/liandu/stations.json"), "utf8")) as Array<{
  id: string;
  name: { zh: string; en: string };
}>;
const nameOf = (id: string) => stations.find((s) => s.id === id)?.name.en ?? id;

const kafka = await testKafkaBroker();
const kafkaGate = await requireService("kafka", () => kafka.probe());
const mosquittoGate = await requirePrivateMosquitto({ name: "mosquitto" });
const influxGate = await requireService("influxdb", influxdInstalled);
const gates = [kafkaGate, mosquittoGate, influxGate];
const available = gates.every((g) => g.available);
const note = gates.map((g) => g.note).join("");

// All data in the previous (complete) hour: in the past, and within the evaluator's lateness for
// the whole run, so the alert hour is live. Phase p uses seconds [p·900, p·900 + 900) of the hour.
const hourStart = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
const hourEnd = hourStart + HOUR;

let mosquitto: PrivateMosquitto | undefined;
let influx: PrivateInfluxd | undefined;
let smtp: TestSmtpServer | undefined;
let client: mqtt.MqttClient | undefined;
const processes: QingshanProcess[] = [];
const dirs: string[] = [];
const database = `qingshan_e2e_${randomUUID().replaceAll("-", "")}`;
const topicPrefix = `e2e-${randomUUID().slice(0, 8)}.`;
let baseEnv: Record<string, string> = {};
let apiUrl = "";

/** Expected readings: station → metric → ts → value. */
const expected = new Map<string, Map<string, Map<number, number>>>();

function expect1(stationId: string, metric: string, ts: number, value: number): void {
  const byMetric = expected.get(stationId) ?? new Map<string, Map<number, number>>();
  expected.set(stationId, byMetric);
  const byTs = byMetric.get(metric) ?? new Map<number, number>();
  byMetric.set(metric, byTs);
  byTs.set(ts, value);
}

type Service = RunningService;

async function startService(name: string, service: string, extra: Record<string, string> = {}) {
  const started = await startQingshanService(name, service, { ...baseEnv, ...extra }, 90_000);
  processes.push(started.proc);
  dirs.push(started.dataDir);
  return started;
}

async function influxql(q: string): Promise<Array<{ tags?: Record<string, string>; values: unknown[][] }>> {
  const response = await fetch(`${influx?.url}/query?epoch=ms&db=${database}`, {
    method: "POST",
    body: new URLSearchParams({ q }),
  });
  const body = (await response.json()) as {
    results: Array<{
      series?: Array<{ tags?: Record<string, string>; values: unknown[][] }>;
      error?: string;
    }>;
  };
  const result = body.results[0];
  if (result?.error) throw new Error(result.error);
  return result?.series ?? [];
}

/** Per station/metric: stored reading count, value sum, and the hour's stored total_count. */
async function stored(): Promise<Map<string, { count: number; sum: number; hourly: number }>> {
  const out = new Map<string, { count: number; sum: number; hourly: number }>();
  const range = `time >= ${hourStart}ms AND time < ${hourEnd}ms`;
  for (const s of await influxql(
    `SELECT count(value), sum(value) FROM readings WHERE ${range} GROUP BY station, metric`,
  )) {
    const key = `${s.tags?.station}/${s.tags?.metric}`;
    out.set(key, { count: Number(s.values[0]?.[1]), sum: Number(s.values[0]?.[2]), hourly: 0 });
  }
  for (const s of await influxql(
    `SELECT total_count FROM hourly WHERE time = ${hourEnd}ms GROUP BY station, metric`,
  )) {
    const key = `${s.tags?.station}/${s.tags?.metric}`;
    const entry = out.get(key) ?? { count: 0, sum: 0, hourly: 0 };
    entry.hourly = Number(s.values[0]?.[1]);
    out.set(key, entry);
  }
  return out;
}

function want(): Map<string, { count: number; sum: number; hourly: number }> {
  const out = new Map<string, { count: number; sum: number; hourly: number }>();
  for (const [stationId, byMetric] of expected)
    for (const [metric, byTs] of byMetric) {
      const values = [...byTs.values()];
      const sum = Math.round(values.reduce((a, b) => a + b, 0) * 1000) / 1000;
      out.set(`${stationId}/${metric}`, { count: values.length, sum, hourly: values.length });
    }
  return out;
}

const normalize = (m: Map<string, { count: number; sum: number; hourly: number }>) =>
  Object.fromEntries(
    [...m]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, { ...v, sum: Math.round(v.sum * 1000) / 1000 }]),
  );

/** Waits until InfluxDB holds exactly the expected readings (each once), then asserts it. */
async function expectEveryReadingOnce(timeoutMs: number): Promise<void> {
  const target = JSON.stringify(normalize(want()));
  let last = "";
  await waitFor(
    async () => {
      last = JSON.stringify(normalize(await stored()));
      return last === target;
    },
    { what: "every reading in InfluxDB exactly once", timeoutMs, intervalMs: 500 },
  ).catch(() => undefined);
  expect(normalize(await stored())).toEqual(normalize(want()));
}

/** The streamed readings of one phase: STREAM stations × n messages, two metrics each. */
function phaseMessages(phase: number, n: number): Array<{ topic: string; payload: string }> {
  const messages: Array<{ topic: string; payload: string }> = [];
  for (let i = 0; i < n; i++)
    for (const [k, stationId] of STREAM.entries()) {
      const ts = hourStart + (phase * 900 + i) * 1000;
      const pm25 = 10 + ((i * 7 + k * 3) % 30);
      const pm10 = 30 + ((i * 5 + k) % 40) + 0.5;
      expect1(stationId, "pm25", ts, pm25);
      expect1(stationId, "pm10", ts, pm10);
      messages.push({
        topic: `stations/${stationId}/air`,
        payload: JSON.stringify({ ts, values: { pm25, pm10 } }),
      });
    }
  return messages;
}

/** An hourly PM2.5 mean of 160 µg/m³ → hourly AQI 210 > 200: aqi-hourly-heavy raises (config/rules.yaml). */
function alertMessage(stationId: string): { topic: string; payload: string } {
  expect1(stationId, "pm25", hourStart, 160);
  return {
    topic: `stations/${stationId}/air`,
    payload: JSON.stringify({ ts: hourStart, values: { pm25: 160 }, period: "PT1H" }),
  };
}

/** Publishes at QoS 1, `perTick` messages every `tickMs`; `onTick` after each tick. */
async function publish(
  messages: ReadonlyArray<{ topic: string; payload: string }>,
  {
    perTick = 20,
    tickMs = 50,
    onTick,
  }: { perTick?: number; tickMs?: number; onTick?: (sent: number) => Promise<void> } = {},
): Promise<void> {
  for (let i = 0; i < messages.length; i += perTick) {
    await Promise.all(
      messages.slice(i, i + perTick).map((m) => client?.publishAsync(m.topic, m.payload, { qos: 1 })),
    );
    await onTick?.(Math.min(messages.length, i + perTick));
    await new Promise((r) => setTimeout(r, tickMs));
  }
}

function alertMails(stationId: string): ParsedMail[] {
  return (smtp?.mails ?? []).filter(
    (m) =>
      /New alert/.test(m.subject ?? "") &&
      (m.text ?? "").includes(nameOf(stationId)) &&
      /AQI/.test(m.text ?? ""),
  );
}

/** "alert event" log lines of the evaluators for a raised aqi-hourly-heavy alert at the station. */
function raisedInLogs(stationId: string): number {
  const prefix = `aqi-hourly-heavy:${stationId}:`;
  let n = 0;
  for (const p of processes.filter((p) => p.name.startsWith("evaluator")))
    for (const line of p.output().split("\n")) {
      if (!line.includes('"msg":"alert event"')) continue;
      const entry = JSON.parse(line) as { alertId?: string; type?: string };
      if (entry.type === "raised" && entry.alertId?.startsWith(prefix)) n++;
    }
  return n;
}

async function raisedInStore(stationId: string): Promise<number> {
  const response = await fetch(`${apiUrl}/api/v1/alerts?station=${stationId}&rule=aqi-hourly-heavy`);
  const body = (await response.json()) as { alerts: Array<{ alertId: string }> };
  let n = 0;
  for (const alert of body.alerts) {
    const one = (await (
      await fetch(`${apiUrl}/api/v1/alerts/${encodeURIComponent(alert.alertId)}`)
    ).json()) as {
      events: Array<{ type: string }>;
    };
    n += one.events.filter((e) => e.type === "raised").length;
  }
  return n;
}

const services: Record<string, Service> = {};

async function readingsReceived(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^qingshan_readings_received_total\{[^}]*\} (\d+)/gm)) n += Number(m[1]);
  return n;
}

const totalExpected = () => [...want().values()].reduce((a, v) => a + v.count, 0);

describe.skipIf(!available)(`distributed mode: one process per service${note}`, () => {
  beforeAll(async () => {
    mosquitto = await startPrivateMosquitto();
    influx = await startPrivateInfluxd();
    smtp = await startTestSmtp();
    baseEnv = {
      QINGSHAN_BUS: "kafka",
      QINGSHAN_KAFKA_BROKERS: kafka.brokers,
      QINGSHAN_KAFKA_TOPIC_PREFIX: topicPrefix,
      QINGSHAN_STORE: "influx",
      QINGSHAN_INFLUX_URL: influx.url,
      QINGSHAN_INFLUX_DATABASE: database,
      QINGSHAN_MQTT_URL: mosquitto.url,
      QINGSHAN_MQTT_SHARE_GROUP: "e2e",
      QINGSHAN_SMTP_HOST: "127.0.0.1",
      QINGSHAN_SMTP_PORT: String(smtp.port),
      QINGSHAN_HTTP_HOST: "127.0.0.1",
      QINGSHAN_HJ212_PORT: "0",
      QINGSHAN_SIMULATOR: "off",
    };
    // The writer first: it creates the database the others read.
    services.writer = await startService("writer", "writer");
    const started = await Promise.all([
      startService("ingest-1", "ingest", { QINGSHAN_MQTT_CLIENT_ID: `e2e-ingest-1-${topicPrefix}` }),
      startService("ingest-2", "ingest", { QINGSHAN_MQTT_CLIENT_ID: `e2e-ingest-2-${topicPrefix}` }),
      startService("evaluator-1", "evaluator"),
      startService("notifier", "notifier"),
      startService("api", "api"),
    ]);
    [services["ingest-1"], services["ingest-2"], services["evaluator-1"], services.notifier, services.api] =
      started as [Service, Service, Service, Service, Service];
    apiUrl = services.api?.url ?? "";
    client = await mqtt.connectAsync(mosquitto.url, {
      clientId: `e2e-station-${topicPrefix}`,
      protocolVersion: 5,
    });
  }, 240_000);

  afterAll(async () => {
    await client?.endAsync().catch(() => undefined);
    await Promise.all(processes.map((p) => stopGracefully(p)));
    await smtp?.stop();
    await influx?.stop();
    await mosquitto?.stop();
    await kafka.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it("stores every reading published over MQTT exactly once and e-mails the expected alert", async () => {
    await publish([alertMessage("ld-aq-01"), ...phaseMessages(0, 40)]);
    await expectEveryReadingOnce(60_000);
    const mail = await waitFor(() => alertMails("ld-aq-01")[0], {
      what: "the aqi-hourly-heavy e-mail for ld-aq-01",
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    expect(mail.subject).toContain("新告警");
    expect(mail.text).toContain("AQI 210");
    expect(raisedInLogs("ld-aq-01")).toBe(1);
    expect(await raisedInStore("ld-aq-01")).toBe(1);
    // The two ingest replicas split the shared subscription: each handed readings on, none twice.
    const handedOn = await Promise.all(
      [services["ingest-1"], services["ingest-2"]].map((s) => readingsReceived(s?.url ?? "")),
    );
    expect(
      handedOn.every((n) => n > 0),
      `readings per ingest: ${handedOn}`,
    ).toBe(true);
    expect(handedOn.reduce((a, b) => a + b, 0)).toBe(totalExpected());
  }, 180_000);

  it("still stores every reading exactly once when the writer is killed (SIGKILL) mid-stream and restarted", async () => {
    const before = want().get(`${STREAM[0]}/pm25`)?.count ?? 0;
    let killed = false;
    const storedSome = async () => ((await stored()).get(`${STREAM[0]}/pm25`)?.count ?? 0) > before;
    const kill = async () => {
      killed = true;
      await services.writer?.proc.stop("SIGKILL");
    };
    const messages = phaseMessages(1, 100);
    const cut = Math.floor(messages.length * 0.6);
    // Mid-stream: once the writer has stored part of this phase, with more still to come.
    await publish(messages.slice(0, cut), {
      onTick: async () => {
        if (!killed && (await storedSome())) await kill();
      },
    });
    if (!killed) {
      await waitFor(storedSome, { what: "the writer to store part of the phase", timeoutMs: 60_000 });
      await kill();
    }
    await publish(messages.slice(cut));
    expect(killed, "the writer was killed while the phase was being stored").toBe(true);
    services.writer = await startService("writer-2", "writer");
    await expectEveryReadingOnce(120_000);
  }, 240_000);

  it("still stores every reading exactly once when InfluxDB is stopped for 30 s mid-stream", async () => {
    const messages = phaseMessages(2, 100);
    const half = Math.floor(messages.length / 2);
    await publish(messages.slice(0, half));
    const downAt = Date.now();
    await influx?.halt();
    await publish(messages.slice(half));
    // Readiness reflects the store connection while it is down.
    await waitFor(async () => (await fetch(`${services.writer?.url}/readyz`)).status === 503, {
      what: "the writer's /readyz to answer 503 while InfluxDB is down",
      timeoutMs: 20_000,
      intervalMs: 250,
    });
    await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - downAt))));
    await influx?.restart();
    await expectEveryReadingOnce(120_000);
  }, 240_000);

  it("two evaluators in one consumer group raise the expected alert once", async () => {
    const assignedLines = (p: QingshanProcess | undefined) =>
      (p?.output() ?? "")
        .split("\n")
        .filter((l) => /"partitions":\[\d/.test(l) && /partitions assigned/.test(l));
    const firstBefore = assignedLines(services["evaluator-1"]?.proc).length;
    services["evaluator-2"] = await startService("evaluator-2", "evaluator");
    // Both members own partitions once the group has rebalanced.
    await waitFor(
      () =>
        assignedLines(services["evaluator-1"]?.proc).length > firstBefore &&
        assignedLines(services["evaluator-2"]?.proc).length > 0,
      { what: "both evaluators to own partitions after the rebalance", timeoutMs: 90_000, intervalMs: 250 },
    );
    await publish([alertMessage("ld-aq-02"), ...phaseMessages(3, 40)]);
    await expectEveryReadingOnce(60_000);
    await waitFor(() => alertMails("ld-aq-02")[0], {
      what: "the aqi-hourly-heavy e-mail for ld-aq-02",
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    // Let a duplicate, if any, arrive before counting.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(raisedInLogs("ld-aq-02")).toBe(1);
    expect(await raisedInStore("ld-aq-02")).toBe(1);
    expect(alertMails("ld-aq-02")).toHaveLength(1);
  }, 240_000);
});
