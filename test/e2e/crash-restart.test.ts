import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, requireService, tcpReachable, waitFor } from "@qingshan/testkit";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { createDuckDbStore } from "../../packages/store/src/index.ts";
import { decodeSegment } from "../../services/writer/src/readings-log.ts";

// "Killing the process during ingest and restarting loses no acknowledged reading" (issue 3):
// a station publishes QoS 1 readings flat out, the pipeline gets SIGKILL mid-stream and is
// restarted on the same data directory; the station's client stays alive, reconnects and resends
// what was not acknowledged. Every message acknowledged before the kill must already be in the
// store, and in the end every message is stored exactly once (raw rows and hourly counts).

const root = join(import.meta.dirname, "../..");
const AIR = [
  "ld-aq-01",
  "ld-aq-02",
  "ld-aq-03",
  "ld-aq-04",
  "ld-aq-05",
  "ld-aq-06",
  "ld-aq-07",
  "ld-aq-08",
  "ld-aq-09",
];
const HOUR = 3_600_000;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface Child {
  readonly proc: ChildProcess;
  readonly brokerUrl: string;
}

async function startChild(env: Record<string, string>): Promise<Child> {
  const proc = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "fixtures/pipeline-child.ts")],
    {
      cwd: root,
      env: {
        ...process.env,
        QINGSHAN_SIMULATOR: "off",
        QINGSHAN_HJ212_PORT: "0",
        QINGSHAN_HTTP_HOST: "127.0.0.1",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  cleanups.push(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
  });
  let stderr = "";
  proc.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const ready = await new Promise<{ brokerUrl: string }>((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`pipeline did not start in 60 s: ${stderr}`)), 60_000);
    proc.stdout?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const m = /QINGSHAN_CHILD_READY (\{.*\})/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(JSON.parse(m[1] as string));
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`pipeline exited with ${code}: ${stderr}`));
    });
  });
  proc.stdout?.resume();
  return { proc, brokerUrl: ready.brokerUrl };
}

async function kill9(child: Child): Promise<void> {
  const exited = new Promise((resolve) => child.proc.once("exit", resolve));
  child.proc.kill("SIGKILL");
  await exited;
}

async function stopGracefully(child: Child): Promise<void> {
  const exited = new Promise((resolve) => child.proc.once("exit", resolve));
  child.proc.kill("SIGTERM");
  await exited;
}

/** Message i: two readings (pm25, so2) of station AIR[i % 9] at a run-unique ts. */
function message(i: number, base: number) {
  return {
    topic: `stations/${AIR[i % AIR.length]}/air`,
    ts: base + i * 1000,
    payload: JSON.stringify({ ts: base + i * 1000, values: { pm25: (i % 80) + 1, so2: 7 }, period: "PT1M" }),
  };
}

/** Counts stored readings per station+metric+ts and the hourly total counts over [from, to). */
async function readStore(dataDir: string, from: number, to: number) {
  const store = createDuckDbStore({ path: join(dataDir, "qingshan.duckdb") });
  await store.start();
  try {
    const rows = new Map<string, number>();
    let hourlyTotal = 0;
    for (const stationId of AIR) {
      for (const r of await store.queryReadings({ stationId, from, to })) {
        const key = `${r.stationId}/${r.metric}/${r.ts}`;
        rows.set(key, (rows.get(key) ?? 0) + 1);
      }
      for (const metric of ["pm25", "so2"] as const) {
        for (const h of await store.queryHourly({ stationId, metric, from, to: to + HOUR })) {
          hourlyTotal += h.totalCount;
        }
      }
    }
    return { rows, hourlyTotal };
  } finally {
    await store.stop();
  }
}

/**
 * The readings in the writer's log (`{dataDir}/writer-log`, qingshan start): acknowledged, synced,
 * not yet stored when the process died; the next start stores them first.
 */
function readLog(dataDir: string, from: number, to: number) {
  const dir = join(dataDir, "writer-log");
  const rows = new Map<string, number>();
  if (!existsSync(dir)) return rows;
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".log"))) {
    for (const r of decodeSegment(readFileSync(join(dir, name))).readings) {
      if (r.ts < from || r.ts >= to) continue;
      const key = `${r.stationId}/${r.metric}/${r.ts}`;
      rows.set(key, (rows.get(key) ?? 0) + 1);
    }
  }
  return rows;
}

/**
 * Publishes `count` messages with up to `window` unacknowledged; `onAck` sees each PUBACK. Resolves
 * once every message was acknowledged (MQTT.js keeps unacknowledged ones and resends them after
 * reconnecting).
 */
function publishAll(
  client: mqtt.MqttClient,
  count: number,
  base: number,
  window: number,
  acked: Set<number>,
) {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const m = message(i, base);
      await client.publishAsync(m.topic, m.payload, { qos: 1 });
      acked.add(i);
    }
  };
  return Promise.all(Array.from({ length: window }, lane));
}

function expectEachOnce(
  stored: Awaited<ReturnType<typeof readStore>>,
  indices: Iterable<number>,
  base: number,
) {
  const missing: string[] = [];
  for (const i of indices) {
    const m = message(i, base);
    for (const metric of ["pm25", "so2"]) {
      const key = `${AIR[i % AIR.length]}/${metric}/${m.ts}`;
      if (stored.rows.get(key) !== 1) missing.push(`${key}: ${stored.rows.get(key) ?? 0}`);
    }
  }
  expect(missing.slice(0, 10), `${missing.length} readings not stored exactly once`).toEqual([]);
}

async function crashAndRestart(options: {
  readonly count: number;
  readonly env: Record<string, string>;
  readonly dataDir: string;
  readonly clientOptions: mqtt.IClientOptions;
  /** Unacknowledged messages the station keeps in flight. */
  readonly window: number;
  /**
   * Embedded broker: the station's PUBACK comes from Qingshan once durable — stored, or synced to
   * the writer's log that the next start stores first — so everything acknowledged before the
   * kill must be on disk right after it. With an external broker the PUBACK comes from the broker
   * on receipt; the broker keeps the message for ingest.
   */
  readonly ackMeansStored: boolean;
}) {
  const base = Math.floor((Date.now() - 2 * HOUR) / 1000) * 1000 + Math.floor(Math.random() * 500);
  const from = base;
  const to = base + options.count * 1000;
  let child = await startChild(options.env);
  const client = await mqtt.connectAsync(child.brokerUrl, {
    protocolVersion: 4,
    reconnectPeriod: 200,
    connectTimeout: 5000,
    ...options.clientOptions,
  });
  cleanups.push(() => client.endAsync(true));
  client.on("error", () => undefined);
  const acked = new Set<number>();
  const publishing = publishAll(client, options.count, base, options.window, acked);

  // Mid-stream: some acknowledged, most not yet sent or in flight.
  await waitFor(() => acked.size >= options.count / 4, { timeoutMs: 60_000, what: "a quarter acknowledged" });
  await kill9(child);
  const ackedBeforeKill = [...acked];
  expect(ackedBeforeKill.length).toBeLessThan(options.count);

  const afterKill = await readStore(options.dataDir, from, to);
  // The kill came mid-stream: the store does not hold everything yet.
  expect(afterKill.rows.size).toBeLessThan(options.count * 2);
  // Every message the station was told was received is already durable: in the store or in the log.
  if (options.ackMeansStored) {
    const logged = readLog(options.dataDir, from, to);
    const durable = new Map(afterKill.rows);
    for (const [key, n] of logged) durable.set(key, Math.max(durable.get(key) ?? 0, n));
    expectEachOnce({ ...afterKill, rows: durable }, ackedBeforeKill, base);
  }

  child = await startChild(options.env);
  await publishing;
  if (!options.ackMeansStored) {
    // The broker has everything; ingest catches up with what the broker queued for its session.
    const port = options.env.QINGSHAN_HTTP_PORT as string;
    await waitFor(
      async () => {
        const url = `http://127.0.0.1:${port}/stored?stations=${AIR.join(",")}&from=${from}&to=${to}`;
        const body = (await (await fetch(url)).json()) as { rows: number };
        return body.rows >= options.count * 2;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: "ingest to store what the broker queued" },
    );
  }
  await stopGracefully(child);

  const stored = await readStore(options.dataDir, from, to);
  expectEachOnce(
    stored,
    Array.from({ length: options.count }, (_, i) => i),
    base,
  );
  expect(stored.rows.size).toBe(options.count * 2);
  // No duplicate in the aggregates: the hourly counts add up to the readings, once each.
  expect(stored.hourlyTotal).toBe(options.count * 2);
  return { ackedBeforeKill: ackedBeforeKill.length };
}

describe("kill -9 during ingest, restart on the same data directory", () => {
  it("embedded broker (qingshan start): every acknowledged reading is stored exactly once", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "qingshan-crash-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const { ackedBeforeKill } = await crashAndRestart({
      count: 3000,
      dataDir,
      env: {
        QINGSHAN_DATA_DIR: dataDir,
        QINGSHAN_MQTT_PORT: String(mqttPort),
        QINGSHAN_HTTP_PORT: String(httpPort),
      },
      clientOptions: { clientId: `crash-station-${randomUUID().slice(0, 8)}` },
      window: 200,
      ackMeansStored: true,
    });
    expect(ackedBeforeKill).toBeGreaterThan(0);
  }, 180_000);
});

const mosquitto = await requireService("mosquitto", () => tcpReachable("127.0.0.1", 1883));

describe.skipIf(!mosquitto.available)(`kill -9 of ingest against Mosquitto${mosquitto.note}`, () => {
  it("every reading Mosquitto acknowledged is stored exactly once after the ingest restarts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "qingshan-crash-mosq-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const unique = randomUUID().slice(0, 8);
    // This machine's Mosquitto keeps at most 1000 queued messages per session (its default), so
    // the run stays below that: the test is about Qingshan, not the broker's queue limit.
    await crashAndRestart({
      count: 900,
      dataDir,
      env: {
        CHILD_MODE: "external",
        CHILD_MQTT_URL: "mqtt://127.0.0.1:1883",
        CHILD_CLIENT_ID: `qingshan-crash-${unique}`,
        CHILD_SHARE_GROUP: `crash${unique}`,
        QINGSHAN_DATA_DIR: dataDir,
        QINGSHAN_HTTP_PORT: String(await freePort()),
      },
      clientOptions: { clientId: `crash-station-${unique}` },
      // One at a time: Mosquitto acknowledges on receipt, so a wide window would hand it all 900
      // before the kill; this way the station is still publishing while ingest is down.
      window: 1,
      ackMeansStored: false,
    });
  }, 180_000);
});
