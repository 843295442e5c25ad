// `pnpm bench`: throughput, CPU, latency, memory and query-time benchmark of Qingshan on this
// machine. Prints a markdown table and writes it to BENCHMARKS.md. Not a vitest test.
// Loopback only, free ports, temp dirs; every process it starts is stopped by PID.

import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Reading } from "../packages/domain/src/index.ts";
import { createDuckDbStore } from "../packages/store/src/index.ts";
import { freePort } from "../packages/testkit/src/index.ts";
import { startEmbeddedBroker } from "../services/ingest/src/index.ts";
// `mqtt` is a dependency of the e2e package; bench/ is not a workspace package of its own.
import mqtt from "../test/node_modules/mqtt/build/index.js";
import type { AlertProbeResult } from "./alert-probe.ts";
import { loadMessages } from "./load-messages.ts";

const ROOT = join(import.meta.dirname, "..");
/** The 1-, 5- and 15-minute load averages. */
function readLoadAverage(): number[] {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
}

/** Busy and total jiffies of all CPUs (/proc/stat). */
function cpuJiffies(): { busy: number; total: number } {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] as string)
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  // idle and iowait are not busy.
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}

/** How busy the machine was over 2 s before the bench started (0–1): the load averages lag. */
async function busyBefore(): Promise<number> {
  const a = cpuJiffies();
  await new Promise((r) => setTimeout(r, 2_000));
  const b = cpuJiffies();
  return (b.busy - a.busy) / Math.max(1, b.total - a.total);
}
const BUSY_BEFORE = await busyBefore();

/**
 * Messages per measured run, the same for the raw ceiling and end to end. A rate is a sustained
 * throughput: with 20 000 messages a run lasted ~0.6 s, of which the last readings' wait for the
 * writer's 100 ms linger and their store write (a latency, measured in its own rows) were ~20 %.
 */
const N = Number(process.env.BENCH_N ?? 100_000);
const N_RAW = Number(process.env.BENCH_N_RAW ?? N);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/**
 * Messages each fresh process receives before it is measured: a process just started runs cold
 * (the JIT compiles the hot paths, the store's first writes) — 40–80 % more CPU per message in our
 * runs, which a running service pays once. Reported apart, as the cold start.
 */
const N_WARMUP = Number(process.env.BENCH_N_WARMUP ?? 40_000);
/** What to measure: "mosquitto,distributed,aedes" by default (distributed needs mosquitto). */
const BROKERS = new Set((process.env.BENCH_BROKERS ?? "mosquitto,distributed,aedes").split(","));
/**
 * The node flags `pnpm start` runs Qingshan with (package.json; the Dockerfile's NODE_OPTIONS match),
 * given to the pipeline and service children so they run as users run them. BENCH_PIPELINE_NODE_FLAGS
 * (embedded pipeline) and BENCH_SERVICE_NODE_FLAGS (distributed services) replace them for A/B runs.
 */
const START_NODE_FLAGS = startNodeFlags();
function startNodeFlags(): string[] {
  const start: string = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts.start;
  const m = /^node((?: --[\w-]+(?:=\S+)?)*) --import tsx /.exec(start);
  if (m === null)
    throw new Error(`package.json scripts.start is not "node [flags] --import tsx …": ${start}`);
  return (m[1] as string).split(" ").filter(Boolean);
}
/** Mosquitto settings of a zero-loss deployment (README "Zero-loss broker settings"), for the bench's own broker. */
const ZERO_LOSS_MOSQUITTO = [
  "allow_anonymous true",
  "persistence true",
  "max_queued_messages 0",
  "max_queued_bytes 0",
  "max_inflight_messages 4000",
];
const CLK_TCK = 100; // getconf CLK_TCK on Linux
const stations: Array<{ id: string; kind: string; demo?: boolean }> = JSON.parse(
  readFileSync(join(ROOT, "seeds/liandu/stations.json"), "utf8"),
);
const AIR = stations.filter((s) => s.kind === "air").map((s) => s.id);
/** The alert-latency probe's station (bench/alert-probe.ts); the load uses the other air stations. */
const PROBE_STATION = AIR.at(-1) as string;
const LOAD = AIR.filter((s) => s !== PROBE_STATION);
/** Ingest's future-skew limit in the bench's pipelines: the alert probe and the load publish data hours ahead of now. */
const FUTURE_SKEW_MS = 60 * 24 * 3_600_000;
const AIR_METRICS = ["pm25", "pm10", "so2", "no2", "co", "o3"] as const;
const VALUES_PER_MESSAGE = AIR_METRICS.length;

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)] as number);
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};

/** utime+stime in seconds of a process, from /proc/<pid>/stat (fields 14 and 15). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** The N wire payloads (~200 bytes each), distinct (station, ts) so nothing dedupes. */
const messages = (count: number, runSalt: number) => loadMessages(LOAD, count, runSalt);
/** The data-time span of `count` load messages, plus a second: what follows them starts this much later. */
const spanMs = (count: number) => Math.ceil(count / LOAD.length) * 1000 + 1000;

/**
 * Publishes every message at QoS 1 from `clients` connections, each keeping up to `window`
 * unacknowledged (a sliding window: the next message goes out as soon as one is acknowledged).
 */
async function publishFlatOut(url: string, msgs: Array<{ topic: string; payload: string }>, clients = 4) {
  const conns = await Promise.all(
    Array.from({ length: clients }, (_, k) =>
      mqtt.connectAsync(url, { clientId: `bench-pub-${process.pid}-${k}`, protocolVersion: 4 }),
    ),
  );
  const window = 500;
  await Promise.all(
    conns.map(async (client, k) => {
      const mine = msgs.filter((_, i) => i % clients === k);
      let next = 0;
      const lane = async () => {
        while (next < mine.length) {
          const m = mine[next++] as { topic: string; payload: string };
          await client.publishAsync(m.topic, m.payload, { qos: 1 });
        }
      };
      await Promise.all(Array.from({ length: window }, lane));
    }),
  );
  await Promise.all(conns.map((c) => c.endAsync()));
}

interface OwnMosquitto {
  readonly url: string;
  readonly pid: number;
  readonly version: string;
  stop(): Promise<void>;
}

/** Starts `mosquitto -c <tmp conf>` on a free loopback port with the zero-loss settings, if installed. */
async function startOwnMosquitto(): Promise<OwnMosquitto | undefined> {
  let binary: string;
  try {
    // Debian installs it in /usr/sbin, which is not on every user's PATH.
    binary = execFileSync("sh", ["-c", "command -v mosquitto || command -v /usr/sbin/mosquitto"])
      .toString()
      .trim();
  } catch {
    return undefined;
  }
  if (binary === "" || !existsSync(binary)) return undefined;
  // `mosquitto -h` prints its version and exits with status 3.
  const help = spawnSync(binary, ["-h"]).stdout?.toString() ?? "";
  const version = /version (\S+)/.exec(help)?.[1] ?? "?";
  const dir = mkdtempSync(join(tmpdir(), "qingshan-bench-mosquitto-"));
  const port = await freePort();
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, ...ZERO_LOSS_MOSQUITTO, `persistence_location ${dir}/`, ""].join("\n"),
  );
  const proc = spawn(binary, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + 10_000;
  while (!(await reachable(port))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      log(`own mosquitto did not start: ${stderr.trim()}`);
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    pid: proc.pid as number,
    version,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        process.kill(proc.pid as number, "SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, "127.0.0.1", () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

/** Raw ceiling: messages/s one plain QoS 1 subscriber receives. */
/**
 * Resolves with the first match of `pattern` in a child's stdout (what it printed so far is kept
 * to the last 10 000 characters past 100 000); rejects when the child exits first or after timeoutMs.
 */
function stdoutMatch(
  proc: ChildProcess,
  pattern: RegExp,
  timeoutMs: number,
  what: string,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(
      () => reject(new Error(`${what} did not start in ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    proc.stdout?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
      if (text.length > 100_000) text = text.slice(-10_000);
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}`));
    });
  });
}

/**
 * The raw ceiling: one plain QoS 1 subscriber (bench/raw-subscriber.ts, its own process, so its CPU
 * is measured apart from the publishers) receiving the messages published flat out.
 */
async function rawCeiling(url: string, brokerPid: number | undefined, salt: number) {
  const msgs = messages(N_RAW, salt + spanMs(N_WARMUP));
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench/raw-subscriber.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      BENCH_RAW_URL: url,
      BENCH_RAW_N: String(N_RAW),
      BENCH_RAW_WARMUP: String(N_WARMUP),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await stdoutMatch(child, /READY/, 60_000, "raw subscriber");
  if (N_WARMUP > 0) {
    const warm = stdoutMatch(child, /WARM/, 300_000, "raw subscriber's warm-up");
    await publishFlatOut(url, messages(N_WARMUP, salt));
    await warm;
  }
  const cpu0 = brokerPid ? cpuSeconds(brokerPid) : 0;
  const start = performance.timeOrigin + performance.now();
  await publishFlatOut(url, msgs);
  await exited;
  const cpu = brokerPid ? cpuSeconds(brokerPid) - cpu0 : Number.NaN;
  const line = out.split("\n").find((l) => l.startsWith("{"));
  if (line === undefined) throw new Error(`raw subscriber printed no result: ${out}`);
  const r = JSON.parse(line) as { received: number; lastAt: number; cpuUs: number };
  return {
    rate: r.received / ((r.lastAt - start) / 1000),
    received: r.received,
    brokerCpuPerMsg: cpu / N_RAW,
    subscriberCpuPerMsg: r.cpuUs / 1e6 / Math.max(1, r.received),
  };
}

interface Child {
  proc: ChildProcess;
  pid: number;
  apiUrl: string;
  brokerUrl: string;
  dataDir: string;
}

async function startChild(env: Record<string, string>, dataDir: string): Promise<Child> {
  const flags = process.env.BENCH_PIPELINE_NODE_FLAGS?.split(" ").filter(Boolean) ?? START_NODE_FLAGS;
  const proc = spawn(
    process.execPath,
    [...flags, "--import", "tsx", join(ROOT, "bench/pipeline-process.ts")],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        BENCH_DATA_DIR: dataDir,
        BENCH_MAX_FUTURE_SKEW_MS: String(FUTURE_SKEW_MS),
        ...env,
      },
      stdio: ["ignore", "pipe", "inherit", "ipc"],
    },
  );
  const m = await stdoutMatch(proc, /QINGSHAN_BENCH_READY (\{.*\})/, 60_000, "pipeline");
  const ready = JSON.parse(m[1] as string) as { apiUrl: string; brokerUrl: string };
  // BENCH_CHILD_STDOUT=FILE keeps the pipeline's stdout (e.g. BENCH_PIPELINE_NODE_FLAGS with --trace-gc).
  const keep = process.env.BENCH_CHILD_STDOUT;
  if (keep) proc.stdout?.on("data", (chunk: Buffer) => appendFileSync(keep, chunk));
  else proc.stdout?.resume();
  return { proc, pid: proc.pid as number, dataDir, ...ready };
}

async function stopChild(child: Child): Promise<void> {
  if (child.proc.exitCode !== null) return;
  const exited = new Promise((r) => child.proc.once("exit", r));
  process.kill(child.pid, "SIGTERM");
  const timer = setTimeout(() => child.proc.exitCode === null && process.kill(child.pid, "SIGKILL"), 20_000);
  await exited;
  clearTimeout(timer);
}

/** The cumulative buckets of the writer's store-write durations for readings (le → count). */
async function readingWriteBuckets(apiUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const buckets = new Map<string, number>();
  for (const m of text.matchAll(
    /^qingshan_write_latency_seconds_bucket\{le="([^"]+)",kind="readings"\} (\d+)$/gm,
  )) {
    buckets.set(m[1] as string, Number(m[2]));
  }
  return buckets;
}

/** Distinct readings of the load stations in the pipeline child's store (bench/pipeline-process.ts). */
async function storedReadings(child: Child): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("pipeline: no answer to {cmd: stored} in 60 s")), 60_000);
    child.proc.once("message", (m) => {
      clearTimeout(timer);
      const answer = m as { stored?: number; error?: string };
      if (answer.stored === undefined)
        reject(new Error(`pipeline: counting stored readings: ${answer.error}`));
      else resolve(answer.stored);
    });
    child.proc.send({ cmd: "stored", stations: LOAD, metrics: AIR_METRICS, from: 0 });
  });
}

async function writtenTotal(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("qingshan_readings_written_total")) total += Number(line.split(" ").pop());
  }
  return total;
}

/**
 * Publishes `msgs` flat out and polls `written()` (readings stored so far) every 20 ms until it
 * reaches `expected` or has not moved for `idleMs` (at most `maxMs` in all). Returns the readings
 * written beyond `before`, the seconds from the first publish to the last change, and the CPU
 * seconds of `pids` meanwhile.
 */
async function publishUntilWritten(
  url: string,
  msgs: Array<{ topic: string; payload: string }>,
  written: () => Promise<number>,
  expected: number,
  pids: readonly number[],
  { idleMs = 5_000, maxMs = 180_000, pollMs = 20 } = {},
) {
  const before = await written();
  const cpuOf = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const cpu0 = cpuOf();
  const start = performance.now();
  await publishFlatOut(url, msgs);
  let stored = 0;
  let end = performance.now();
  const deadline = Date.now() + maxMs;
  let changedAt = performance.now();
  while (Date.now() < deadline && performance.now() - changedAt < idleMs) {
    const now = (await written()) - before;
    if (now !== stored) {
      stored = now;
      end = performance.now();
      changedAt = end;
    }
    if (stored >= expected) break;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return { stored, seconds: (end - start) / 1000, cpu: cpuOf() - cpu0 };
}

/**
 * End-to-end: a fresh pipeline child is warmed up with N_WARMUP messages (the cold start, reported
 * apart), then N messages later in data time are measured until the store holds all of them.
 */
async function endToEnd(brokerUrl: string | undefined, brokerPid: number | undefined, salt: number) {
  const dataDir = mkdtempSync(join(tmpdir(), "qingshan-bench-"));
  const env: Record<string, string> = brokerUrl ? { BENCH_MQTT_URL: brokerUrl } : {};
  const child = await startChild(env, dataDir);
  try {
    const written = () => writtenTotal(child.apiUrl);
    const cold = await publishUntilWritten(
      child.brokerUrl,
      messages(N_WARMUP, salt),
      written,
      N_WARMUP * VALUES_PER_MESSAGE,
      [child.pid],
    );
    const expected = N * VALUES_PER_MESSAGE;
    const brokerCpu0 = brokerPid ? cpuSeconds(brokerPid) : 0;
    const warm = await publishUntilWritten(
      child.brokerUrl,
      messages(N, salt + spanMs(N_WARMUP)),
      written,
      expected,
      [child.pid],
    );
    const bcpu = brokerPid ? cpuSeconds(brokerPid) - brokerCpu0 : Number.NaN;
    // Lost is counted in the store (distinct readings), not by the writer's counter, which would
    // count a redelivered reading twice.
    const stored = await storedReadings(child);
    const counted = cold.stored + warm.stored;
    if (counted !== stored)
      log(`e2e: the store holds ${stored} distinct readings; the written counter says ${counted}`);
    return {
      rate: warm.stored / VALUES_PER_MESSAGE / warm.seconds,
      lost: (N_WARMUP + N) * VALUES_PER_MESSAGE - stored,
      cpuPerMsg: warm.cpu / N,
      brokerCpuPerMsg: bcpu / N,
      cold: { rate: cold.stored / VALUES_PER_MESSAGE / cold.seconds, cpuPerMsg: cold.cpu / N_WARMUP },
      rss: peakRssMb(child.pid),
      /** A salt whose messages come after everything this run published (for the latency run). */
      nextSalt: salt + spanMs(N_WARMUP) + spanMs(N),
      child,
    };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

/**
 * Latency at a fixed pace: publish time of message k vs the first scrape (every 20 ms) of the
 * written counter on /metrics that covers it. With either broker: the embedded broker's PUBACK
 * means synced to the writer's readings log, not yet stored.
 */
async function latency(child: Child, rate: number, salt: number, seconds = 20) {
  const count = Math.max(100, Math.round(rate * seconds));
  const msgs = messages(count, salt);
  // One connection per load station, as stations connect (message i is station i mod LOAD.length's).
  const pubs = await Promise.all(
    LOAD.map((_, c) =>
      mqtt.connectAsync(child.brokerUrl, { clientId: `bench-lat-${process.pid}-${c}`, protocolVersion: 4 }),
    ),
  );
  const before = await writtenTotal(child.apiUrl);
  const writesBefore = await readingWriteBuckets(child.apiUrl);
  const sentAt: number[] = [];
  const latencies: number[] = [];
  const ackLatencies: number[] = [];
  let polling = true;
  let seen = 0;
  const poller = (async () => {
    while (polling || seen < count) {
      const now = performance.now();
      const written = Math.floor(((await writtenTotal(child.apiUrl)) - before) / VALUES_PER_MESSAGE);
      const t = (now + performance.now()) / 2; // the scrape's midpoint
      while (seen < written && seen < sentAt.length) {
        latencies.push(t - (sentAt[seen] as number));
        seen += 1;
      }
      if (!polling && performance.now() - (sentAt.at(-1) ?? 0) > 10_000) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  // Issue 4: the alert probe runs on its own station while this background load runs.
  const probe = alertProbeChild(child.brokerUrl, seconds);
  const acked: Array<Promise<void>> = [];
  const tickMs = 10;
  const perTick = rate * (tickMs / 1000);
  const start = performance.now();
  let i = 0;
  while (i < count) {
    const due = Math.min(count, Math.floor(((performance.now() - start) / tickMs + 1) * perTick));
    for (; i < due; i += 1) {
      const m = msgs[i] as { topic: string; payload: string };
      const sent = performance.now();
      sentAt.push(sent);
      const pub = pubs[i % pubs.length] as (typeof pubs)[number];
      acked.push(
        pub.publishAsync(m.topic, m.payload, { qos: 1 }).then(() => {
          ackLatencies.push(performance.now() - sent);
        }),
      );
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  polling = false;
  const alert = await probe;
  await poller;
  await Promise.all(acked);
  await Promise.all(pubs.map((pub) => pub.endAsync()));
  const writesAfter = await readingWriteBuckets(child.apiUrl);
  const writes = [...writesAfter].map(([le, n]) => `≤${le} s: ${n - (writesBefore.get(le) ?? 0)}`).join(", ");
  log(`latency: store writes of readings meanwhile (cumulative): ${writes}`);
  // BENCH_PAUSE_LOG (bench/pipeline-process.ts): the phase and its messages over 250 ms, by send time.
  const pauseLog = process.env.BENCH_PAUSE_LOG;
  if (pauseLog) {
    const wall = (t: number) => (performance.timeOrigin + t).toFixed(1);
    let lines = `${wall(start)} latency-start 0\n`;
    latencies.forEach((ms, k) => {
      if (ms > 250) lines += `${wall(sentAt[k] as number)} slow-message ${ms.toFixed(1)}\n`;
    });
    appendFileSync(pauseLog, `${lines}${wall(performance.now())} latency-end 0\n`);
  }
  return {
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    ack: { p50: quantile(ackLatencies, 0.5), p99: quantile(ackLatencies, 0.99) },
    samples: latencies.length,
    count,
    alert,
    memory: await childMemory(child),
  };
}

/** The alert latency probe (bench/alert-probe-process.ts) in its own process, for `seconds`. */
async function alertProbeChild(brokerUrl: string, seconds: number): Promise<AlertProbeResult> {
  const proc = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench/alert-probe-process.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      BENCH_PROBE_STATION: PROBE_STATION,
      BENCH_PROBE_URL: brokerUrl,
      BENCH_PROBE_SECONDS: String(seconds),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  proc.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => proc.once("exit", resolve));
  const line = out.split("\n").find((l) => l.startsWith("{"));
  if (code !== 0 || line === undefined) throw new Error(`alert probe exited with ${code}: ${out}`);
  return JSON.parse(line) as AlertProbeResult;
}

/** The pipeline child's evaluator memory estimate (IPC). */
async function childMemory(child: Child): Promise<{ memoryPerSeriesBytes: number; stations: number }> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ memoryPerSeriesBytes: Number.NaN, stations: 0 }), 5_000);
    child.proc.once("message", (m) => {
      clearTimeout(timer);
      resolve(m as { memoryPerSeriesBytes: number; stations: number });
    });
    child.proc.send({ cmd: "memory" });
  });
}

/** Evaluator memory per active series, in its own process (bench/evaluator-memory.ts, --expose-gc). */
function evaluatorMemory(env: Record<string, string>): {
  series: number;
  hours: number;
  periodMin: number;
  heapDeltaPerSeriesBytes: number;
  memoryPerSeriesBytes: number;
} {
  const out = spawnSync(
    process.execPath,
    ["--expose-gc", "--import", "tsx", join(ROOT, "bench/evaluator-memory.ts")],
    { cwd: ROOT, encoding: "utf8", timeout: 600_000, env: { ...process.env, ...env } },
  );
  const line = out.stdout.split("\n").find((l) => l.startsWith("{"));
  if (!line) {
    log(`evaluator memory failed: ${out.stderr.slice(-2000)}`);
    return {
      series: 0,
      hours: 0,
      periodMin: 0,
      heapDeltaPerSeriesBytes: Number.NaN,
      memoryPerSeriesBytes: Number.NaN,
    };
  }
  return JSON.parse(line);
}

async function queries() {
  const dir = mkdtempSync(join(tmpdir(), "qingshan-bench-q-"));
  try {
    const HOUR = 3_600_000;
    const yearEnd = Math.floor(Date.now() / HOUR) * HOUR - 24 * HOUR;
    const yearStart = yearEnd - 365 * 24 * HOUR;
    const store = createDuckDbStore({
      path: join(dir, "qingshan.duckdb"),
      retention: { rawReadingsDays: 4000 },
    });
    await store.start();
    let t0 = performance.now();
    const minute: Reading[] = [];
    for (let ts = yearStart; ts < yearEnd; ts += 60_000) {
      minute.push({
        stationId: "ld-aq-01",
        metric: "pm25",
        ts,
        periodMs: 60_000,
        value: 20 + ((ts / 60_000) % 50),
        flag: "N",
        source: "import",
        receivedAt: ts,
      });
    }
    for (let i = 0; i < minute.length; i += 50_000) await store.writeReadings(minute.slice(i, i + 50_000));
    log(`wrote ${minute.length} minute readings in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const times: number[] = [];
    let hours = 0;
    for (let k = 0; k < 5; k += 1) {
      t0 = performance.now();
      hours = (
        await store.queryHourly({ stationId: "ld-aq-01", metric: "pm25", from: yearStart, to: yearEnd })
      ).length;
      times.push(performance.now() - t0);
    }
    t0 = performance.now();
    const hourly: Reading[] = [];
    for (const station of AIR.filter((s) => s !== "ld-aq-01")) {
      for (let ts = yearStart; ts < yearEnd; ts += HOUR) {
        for (const [j, metric] of AIR_METRICS.entries()) {
          hourly.push({
            stationId: station,
            metric,
            ts,
            periodMs: HOUR,
            value: [35, 60, 8, 30, 0.8, 90][j] as number,
            flag: "N",
            source: "import",
            receivedAt: ts,
          });
        }
      }
    }
    for (const metric of AIR_METRICS.filter((m) => m !== "pm25")) {
      for (let ts = yearStart; ts < yearEnd; ts += HOUR) {
        hourly.push({
          stationId: "ld-aq-01",
          metric,
          ts,
          periodMs: HOUR,
          value: 30,
          flag: "N",
          source: "import",
          receivedAt: ts,
        });
      }
    }
    for (let i = 0; i < hourly.length; i += 50_000) await store.writeReadings(hourly.slice(i, i + 50_000));
    log(`wrote ${hourly.length} hourly readings in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await store.stop();
    const child = await startChild({}, dir);
    try {
      const from = new Date(yearStart).toISOString();
      const to = new Date(yearEnd).toISOString();
      const aqiTimes: number[] = [];
      let days = 0;
      for (let k = 0; k < 3; k += 1) {
        t0 = performance.now();
        const bodies = await Promise.all(
          AIR.map(async (s) => {
            const res = await fetch(
              `${child.apiUrl}/api/v1/aqi?station=${s}&period=day&from=${from}&to=${to}`,
            );
            if (res.status !== 200) throw new Error(`aqi ${s}: ${res.status} ${await res.text()}`);
            return (await res.json()) as Record<string, unknown>;
          }),
        );
        aqiTimes.push(performance.now() - t0);
        const first = bodies[0] as Record<string, unknown>;
        const list = (first.series ?? first.days ?? first.aqi ?? first.items ?? []) as unknown[];
        days = Array.isArray(list) ? list.length : 0;
      }
      return { stationYearMs: median(times), hours, aqiYearMs: median(aqiTimes), days };
    } finally {
      await stopChild(child);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ── Distributed: Mosquitto → ingest process → Kafka → writer process → InfluxDB (issue 5) ─────

/** Runs test/infra/<name>/start.sh; its `export K=V` lines, or why it failed. */
function startInfra(name: "kafka" | "influxdb"): { vars: Record<string, string> } | { error: string } {
  const out = spawnSync("bash", [join(ROOT, `test/infra/${name}/start.sh`)], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 300_000,
  });
  if (out.status !== 0) {
    const why = (out.stderr || out.error?.message || `exit ${out.status}`)
      .trim()
      .split("\n")
      .slice(-3)
      .join(" / ");
    return { error: `test/infra/${name}/start.sh failed: ${why}` };
  }
  const vars: Record<string, string> = {};
  for (const m of out.stdout.matchAll(/^export (\w+)=(.*)$/gm)) vars[m[1] as string] = m[2] as string;
  return { vars };
}

/** Stops what startInfra started (stop.sh kills by the exported PID). */
function stopInfra(name: "kafka" | "influxdb", vars: Record<string, string>): void {
  spawnSync("bash", [join(ROOT, `test/infra/${name}/stop.sh`)], {
    cwd: ROOT,
    env: { ...process.env, ...vars },
    timeout: 60_000,
  });
}

interface ServiceChild {
  proc: ChildProcess;
  pid: number;
}

async function startService(role: "ingest" | "writer", env: Record<string, string>): Promise<ServiceChild> {
  // BENCH_SERVICE_NODE_FLAGS: node flags of both services instead of `pnpm start`'s (e.g. add
  // --cpu-prof --cpu-prof-dir=DIR).
  const flags = process.env.BENCH_SERVICE_NODE_FLAGS?.split(" ").filter(Boolean) ?? START_NODE_FLAGS;
  const proc = spawn(
    process.execPath,
    [...flags, "--import", "tsx", join(ROOT, "bench/distributed-process.ts")],
    {
      cwd: ROOT,
      env: { ...process.env, BENCH_ROLE: role, ...env },
      stdio: ["ignore", "pipe", "inherit", "ipc"],
    },
  );
  await stdoutMatch(proc, /QINGSHAN_BENCH_READY/, 120_000, role);
  proc.stdout?.resume();
  return { proc, pid: proc.pid as number };
}

async function stopService(child: ServiceChild): Promise<void> {
  await stopChild({ proc: child.proc, pid: child.pid, apiUrl: "", brokerUrl: "", dataDir: "" });
}

async function writtenOf(child: ServiceChild): Promise<number> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(Number.NaN), 5_000);
    child.proc.once("message", (m) => {
      clearTimeout(timer);
      resolve((m as { written: number }).written);
    });
    child.proc.send({ cmd: "written" });
  });
}

/** Distinct readings stored in InfluxDB (a rewrite of station+metric+ts is the same point). */
async function influxCount(url: string, db: string): Promise<number> {
  const q = encodeURIComponent("SELECT count(value) FROM readings");
  const body = (await (await fetch(`${url}/query?db=${db}&q=${q}`)).json()) as {
    results: Array<{ series?: Array<{ values: Array<[unknown, number]> }> }>;
  };
  return Number(body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
}

interface DistributedRun {
  rate: number;
  lost: number;
  duplicates: number;
  qingshanCpuPerMsg: number;
  brokerCpuPerMsg: number;
  infraCpuPerMsg: number;
  /** The warm-up: the first N_WARMUP messages after the processes started. */
  cold: { rate: number; cpuPerMsg: number };
  ingestRss: number;
  writerRss: number;
}

async function benchDistributed(
  mosquittoUrl: string,
  mosquittoPid: number | undefined,
): Promise<{ runs: DistributedRun[]; note: string } | { skipped: string }> {
  // The embedded pipeline's persistent session on this Mosquitto would keep queueing every
  // station message for its offline member: end it (a clean 3.1.1 connect discards the session).
  const old = await mqtt.connectAsync(mosquittoUrl, {
    clientId: "qingshan-bench-ingest",
    protocolVersion: 4,
    clean: true,
  });
  await old.endAsync();
  log("distributed: starting Kafka (test/infra/kafka/start.sh)");
  const kafka = startInfra("kafka");
  if ("error" in kafka) return { skipped: kafka.error };
  log("distributed: starting InfluxDB (test/infra/influxdb/start.sh)");
  const influx = startInfra("influxdb");
  if ("error" in influx) {
    stopInfra("kafka", kafka.vars);
    return { skipped: influx.error };
  }
  const brokers = kafka.vars.QINGSHAN_TEST_KAFKA_BROKERS as string;
  const influxUrl = influx.vars.QINGSHAN_TEST_INFLUX_URL as string;
  const kafkaPid = Number(kafka.vars.QINGSHAN_TEST_KAFKA_PID);
  const influxPid = Number(influx.vars.QINGSHAN_TEST_INFLUX_PID);
  const versions = (() => {
    const kafkaJar = execFileSync("sh", [
      "-c",
      `ls ${join(ROOT, "test/infra/kafka/lib")} | grep -m1 '^kafka_2'`,
    ])
      .toString()
      .trim();
    const influxd = spawnSync("influxd", ["version"], { encoding: "utf8" }).stdout.trim();
    return `Kafka ${/kafka_[\d.]+-([\d.]+)\.jar/.exec(kafkaJar)?.[1] ?? "?"} (KRaft, 1 node, 6 partitions), ${influxd || "InfluxDB"}`;
  })();
  const runs: DistributedRun[] = [];
  try {
    for (let r = 0; r < RUNS; r += 1) {
      const common = { BENCH_KAFKA_BROKERS: brokers, BENCH_KAFKA_PREFIX: `bench${r}.` };
      const db = `bench_r${r}`;
      const writer = await startService("writer", {
        ...common,
        BENCH_INFLUX_URL: influxUrl,
        BENCH_INFLUX_DB: db,
      });
      let ingest: ServiceChild | undefined;
      try {
        ingest = await startService("ingest", {
          ...common,
          BENCH_MQTT_URL: mosquittoUrl,
          // As for the embedded pipeline: the load's data times run ahead of now (loadMessages).
          BENCH_MAX_FUTURE_SKEW_MS: String(FUTURE_SKEW_MS),
        });
        const salt = (r + 11) * 19;
        const pids = [ingest.pid, writer.pid];
        const written = () => writtenOf(writer);
        const waits = { idleMs: 20_000, maxMs: 300_000, pollMs: 50 };
        const cold = await publishUntilWritten(
          mosquittoUrl,
          messages(N_WARMUP, salt),
          written,
          N_WARMUP * VALUES_PER_MESSAGE,
          pids,
          waits,
        );
        const expected = N * VALUES_PER_MESSAGE;
        const bcpu0 = mosquittoPid ? cpuSeconds(mosquittoPid) : 0;
        const icpu0 = cpuSeconds(kafkaPid) + cpuSeconds(influxPid);
        const each0 = [ingest.pid, writer.pid, kafkaPid, influxPid].map(cpuSeconds);
        const warm = await publishUntilWritten(
          mosquittoUrl,
          messages(N, salt + spanMs(N_WARMUP)),
          written,
          expected,
          pids,
          waits,
        );
        const bcpu = mosquittoPid ? cpuSeconds(mosquittoPid) - bcpu0 : Number.NaN;
        const icpu = cpuSeconds(kafkaPid) + cpuSeconds(influxPid) - icpu0;
        const each = [ingest.pid, writer.pid, kafkaPid, influxPid].map((pid, k) =>
          fmt(((cpuSeconds(pid) - (each0[k] as number)) / N) * 1e6),
        );
        log(
          `distributed: CPU µs/msg: ingest ${each[0]}, writer ${each[1]}, Kafka ${each[2]}, InfluxDB ${each[3]}`,
        );
        const writtenAll = cold.stored + warm.stored;
        const stored = await influxCount(influxUrl, db);
        const run: DistributedRun = {
          rate: Math.min(warm.stored, expected) / VALUES_PER_MESSAGE / warm.seconds,
          lost: (N_WARMUP + N) * VALUES_PER_MESSAGE - stored,
          duplicates: Math.max(0, writtenAll - stored),
          qingshanCpuPerMsg: warm.cpu / N,
          cold: { rate: cold.stored / VALUES_PER_MESSAGE / cold.seconds, cpuPerMsg: cold.cpu / N_WARMUP },
          brokerCpuPerMsg: bcpu / N,
          infraCpuPerMsg: icpu / N,
          ingestRss: peakRssMb(ingest.pid),
          writerRss: peakRssMb(writer.pid),
        };
        log(
          `distributed: run ${r + 1}: ${fmt(run.rate)} msg/s, ${stored}/${(N_WARMUP + N) * VALUES_PER_MESSAGE} readings in InfluxDB, ${fmt(run.qingshanCpuPerMsg * 1e6)} µs CPU/msg (ingest+writer)`,
        );
        runs.push(run);
      } finally {
        if (ingest) await stopService(ingest);
        await stopService(writer);
      }
    }
  } catch (error) {
    if (runs.length === 0) return { skipped: `distributed run failed: ${String(error)}` };
    log(`distributed: a run failed after ${runs.length}: ${String(error)}`);
  } finally {
    stopInfra("kafka", kafka.vars);
    stopInfra("influxdb", influx.vars);
  }
  return { runs, note: versions };
}

const fmt = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const met = (ok: boolean) => (ok ? "✅ met" : "❌ not met");

/** The warm-up phase of each run, shown for scale: what a process pays once, just after it starts. */
function coldStartRow(
  name: string,
  runs: ReadonlyArray<{ cold: { rate: number; cpuPerMsg: number } }>,
): string {
  const rate = median(runs.map((x) => x.cold.rate));
  const cpu = median(runs.map((x) => x.cold.cpuPerMsg));
  return `| Cold start, for scale: the warm-up (first ${N_WARMUP} msgs after the process started, not in the rows above), median of ${runs.length} | ${name} | ${fmt(rate)} msg/s, ${fmt(cpu * 1e6)} µs CPU/msg | — | — |`;
}

async function benchBroker(
  name: string,
  url: string,
  externalUrl: string | undefined,
  brokerPid: number | undefined,
) {
  log(`${name}: raw ceiling`);
  const raw = await rawCeiling(url, brokerPid, 0);
  log(`${name}: raw ${fmt(raw.rate)} msg/s (${raw.received}/${N_RAW})`);
  const runs: Array<Awaited<ReturnType<typeof endToEnd>>> = [];
  let lat: Awaited<ReturnType<typeof latency>> | undefined;
  for (let r = 0; r < RUNS; r += 1) {
    const run = await endToEnd(externalUrl, brokerPid, (r + 1) * 17);
    log(
      `${name}: e2e run ${r + 1}: ${fmt(run.rate)} msg/s, lost ${run.lost}, ${fmt(run.cpuPerMsg * 1e6)} µs CPU/msg`,
    );
    runs.push(run);
    if (r === RUNS - 1) {
      const rate = median(runs.map((x) => x.rate)) / 2;
      lat = await latency(run.child, rate, run.nextSalt);
      log(
        `${name}: latency at ${fmt(rate)} msg/s: p50 ${fmt(lat.p50, 1)} ms p99 ${fmt(lat.p99, 1)} ms; PUBACK p50 ${fmt(lat.ack.p50, 1)} ms p99 ${fmt(lat.ack.p99, 1)} ms`,
      );
      run.rss = peakRssMb(run.child.pid);
    }
    await stopChild(run.child);
    rmSync(run.child.dataDir, { recursive: true, force: true });
  }
  return { name, raw, runs, lat };
}

async function benchEmbedded() {
  const aedes = await startEmbeddedBroker({ port: await freePort(), host: "127.0.0.1" });
  const aedesPid = undefined;
  const rawAedes = await rawCeiling(aedes.url, aedesPid, 0);
  await aedes.close();
  log(`aedes raw ${fmt(rawAedes.rate)} msg/s`);
  const embedded = await (async () => {
    const runs: Array<Awaited<ReturnType<typeof endToEnd>>> = [];
    let lat: Awaited<ReturnType<typeof latency>> | undefined;
    for (let r = 0; r < RUNS; r += 1) {
      const run = await endToEnd(undefined, undefined, (r + 5) * 13);
      log(`aedes (embedded): e2e run ${r + 1}: ${fmt(run.rate)} msg/s, lost ${run.lost}`);
      runs.push(run);
      if (r === RUNS - 1) {
        lat = await latency(run.child, median(runs.map((x) => x.rate)) / 2, run.nextSalt);
        log(
          `aedes (embedded): latency p50 ${fmt(lat.p50, 1)} ms p99 ${fmt(lat.p99, 1)} ms; PUBACK p50 ${fmt(lat.ack.p50, 1)} ms p99 ${fmt(lat.ack.p99, 1)} ms`,
        );
        run.rss = peakRssMb(run.child.pid);
      }
      await stopChild(run.child);
      rmSync(run.child.dataDir, { recursive: true, force: true });
    }
    return { name: "aedes (embedded in the pipeline)", raw: rawAedes, runs, lat };
  })();
  return embedded;
}

async function main() {
  const rows: string[] = [];
  const results: Array<Awaited<ReturnType<typeof benchBroker>>> = [];
  // Mosquitto: the bench's own instance with zero-loss settings, so "lost" measures Qingshan and not
  // the broker's limits; without a mosquitto binary, the machine's broker on 1883 (default limits).
  let mosquittoNote = "";
  let distributed: Awaited<ReturnType<typeof benchDistributed>> = {
    skipped: BROKERS.has("distributed")
      ? "needs the bench's own Mosquitto (no mosquitto binary)"
      : "not selected (BENCH_BROKERS)",
  };
  // The distributed rows publish through the same own Mosquitto, also when selected alone.
  let distributedRaw = Number.NaN;
  const own = BROKERS.has("mosquitto") || BROKERS.has("distributed") ? await startOwnMosquitto() : undefined;
  if (own) {
    try {
      mosquittoNote = `the bench's own Mosquitto ${own.version} (\`mosquitto -c <tmp conf>\` on a free port) with the zero-loss settings \`${ZERO_LOSS_MOSQUITTO.slice(1).join("`, `")}\``;
      if (BROKERS.has("mosquitto"))
        results.push(
          await benchBroker(`Mosquitto ${own.version} (own, zero-loss settings)`, own.url, own.url, own.pid),
        );
      if (BROKERS.has("distributed")) {
        // Selected alone, the distributed rows still need this broker's raw ceiling.
        if (!BROKERS.has("mosquitto")) distributedRaw = (await rawCeiling(own.url, own.pid, 0)).rate;
        distributed = await benchDistributed(own.url, own.pid);
      }
    } finally {
      await own.stop();
    }
  } else if (BROKERS.has("mosquitto") && (await reachable(1883))) {
    let pid: number | undefined;
    try {
      pid = Number(execFileSync("pgrep", ["-o", "mosquitto"]).toString().trim());
    } catch {
      pid = undefined;
    }
    mosquittoNote =
      "the machine's Mosquitto on 127.0.0.1:1883 with its own settings: with the default `max_queued_messages 1000` it drops QoS 1 messages for a subscriber more than 1000 behind, which shows up as \"received\" below N in the raw ceiling and as lost readings end to end — a broker limit, not Qingshan's (README, zero-loss broker settings)";
    results.push(
      await benchBroker("Mosquitto 127.0.0.1:1883", "mqtt://127.0.0.1:1883", "mqtt://127.0.0.1:1883", pid),
    );
  } else if (BROKERS.has("mosquitto")) {
    log("no mosquitto binary and nothing on 127.0.0.1:1883: Mosquitto skipped");
  }
  // Embedded aedes: raw ceiling on a standalone broker in this process; end to end, the pipeline's own
  // embedded broker (its CPU is part of the pipeline process, so no separate broker CPU).
  if (BROKERS.has("aedes")) results.push(await benchEmbedded());

  log("evaluator memory per series");
  const mems = [
    evaluatorMemory({ BENCH_MEM_STATIONS: "500", BENCH_MEM_HOURS: "30", BENCH_MEM_PERIOD_MIN: "60" }),
    evaluatorMemory({ BENCH_MEM_STATIONS: "200", BENCH_MEM_HOURS: "3", BENCH_MEM_PERIOD_MIN: "1" }),
  ];
  for (const mem of mems)
    log(
      `evaluator memory (${mem.periodMin} min data): ${fmt(mem.heapDeltaPerSeriesBytes)} B/series (heap delta), ${fmt(mem.memoryPerSeriesBytes)} B (estimate)`,
    );
  log("query benchmarks");
  const q = process.env.BENCH_SKIP_QUERIES
    ? { stationYearMs: Number.NaN, hours: 0, aqiYearMs: Number.NaN, days: 0 }
    : await queries();

  rows.push("| Measure | Broker | Result | Target | Met? |", "|---|---|---|---|---|");
  for (const r of results) {
    const e2e = median(r.runs.map((x) => x.rate));
    const lost = Math.max(...r.runs.map((x) => x.lost));
    const ratio = e2e / r.raw.rate;
    rows.push(
      `| Raw ceiling (1 QoS 1 subscriber, ${N_RAW} msgs) | ${r.name} | ${fmt(r.raw.rate)} msg/s (${r.raw.received}/${N_RAW} received) | — | — |`,
    );
    rows.push(
      `| End-to-end rate (${N} msgs), median of ${r.runs.length} (${r.runs.map((x) => fmt(x.rate)).join(", ")}) | ${r.name} | ${fmt(e2e)} msg/s = ${fmt(ratio * 100)} % of raw; ${lost} of ${(N_WARMUP + N) * VALUES_PER_MESSAGE} readings lost (warm-up included) | ≥ 90 % of raw, 0 lost | ${met(ratio >= 0.9 && lost === 0)} |`,
    );
    rows.push(coldStartRow(r.name, r.runs));
    const cpu = median(r.runs.map((x) => x.cpuPerMsg));
    const bcpu = median(r.runs.map((x) => x.brokerCpuPerMsg));
    if (Number.isFinite(r.raw.brokerCpuPerMsg))
      rows.push(
        `| CPU per message of the raw ceiling's plain subscriber (mqtt.js, receives and acknowledges, nothing else) vs broker, for scale | ${r.name} | ${fmt(r.raw.subscriberCpuPerMsg * 1e6)} µs vs ${fmt(r.raw.brokerCpuPerMsg * 1e6)} µs (${fmt(r.raw.subscriberCpuPerMsg / r.raw.brokerCpuPerMsg, 2)} ×) | — | — |`,
      );
    rows.push(
      Number.isFinite(bcpu)
        ? `| CPU per message: Qingshan vs broker | ${r.name} | ${fmt(cpu * 1e6)} µs vs ${fmt(bcpu * 1e6)} µs (${fmt(cpu / bcpu, 2)} ×) | ≤ 0.75 × broker's | ${met(cpu <= 0.75 * bcpu)} |`
        : `| CPU per message: Qingshan (broker in-process) | ${r.name} | ${fmt(cpu * 1e6)} µs (includes the embedded broker) | ≤ 0.75 × broker's | n/a (no separate broker process) |`,
    );
    if (r.lat) {
      rows.push(
        `| Latency publish→stored at ${fmt(e2e / 2)} msg/s (${r.lat.samples}/${r.lat.count} samples) | ${r.name} | p50 ${fmt(r.lat.p50, 1)} ms, p99 ${fmt(r.lat.p99, 1)} ms | p99 ≤ 250 ms | ${met(r.lat.p99 <= 250)} |`,
        `| Latency publish→PUBACK, same run, for scale (the PUBACK waits for the readings to be synced to the writer's log, not for the store) | ${r.name} | p50 ${fmt(r.lat.ack.p50, 1)} ms, p99 ${fmt(r.lat.ack.p99, 1)} ms | — | — |`,
      );
      const a = r.lat.alert;
      const ap99 = quantile(a.latencies, 0.99);
      rows.push(
        `| Alert latency: crossing reading published → \`raised\` on MQTT \`alerts/${PROBE_STATION}\`, background ${fmt(e2e / 2)} msg/s (${a.latencies.length} alerts, ${a.missed} missed) | ${r.name} | p50 ${fmt(quantile(a.latencies, 0.5), 1)} ms, p99 ${fmt(ap99, 1)} ms, max ${fmt(Math.max(...a.latencies), 1)} ms | p99 ≤ 50 ms | ${met(ap99 <= 50 && a.missed === 0)} |`,
      );
      rows.push(
        `| Evaluator memoryPerSeriesBytes() after the run (${r.lat.memory.stations} stations loaded; window buffers plus dedupe state) | ${r.name} | ${fmt(r.lat.memory.memoryPerSeriesBytes)} B | ≤ 2 KB | ${met(r.lat.memory.memoryPerSeriesBytes <= 2048)} |`,
      );
    }
    rows.push(
      `| Peak RSS of the pipeline process (VmHWM) | ${r.name} | ${fmt(Math.max(...r.runs.map((x) => x.rss)))} MB | — | — |`,
    );
  }
  if ("runs" in distributed) {
    const d = distributed.runs;
    const mosq = results.find((r) => r.name.startsWith("Mosquitto"));
    const raw = mosq?.raw.rate ?? distributedRaw;
    const rate = median(d.map((x) => x.rate));
    const lost = Math.max(...d.map((x) => x.lost));
    const name = `${mosq?.name ?? "Mosquitto"} → Kafka → InfluxDB`;
    rows.push(
      `| Distributed end-to-end rate (${N} msgs): ingest process → Kafka → writer process → InfluxDB, median of ${d.length} (${d.map((x) => fmt(x.rate)).join(", ")}); raw ceiling as above | ${name} | ${fmt(rate)} msg/s = ${fmt((rate / raw) * 100)} % of raw; ${lost} of ${(N_WARMUP + N) * VALUES_PER_MESSAGE} readings not in InfluxDB after 20 s without progress (counted there; warm-up included)${d.some((x) => x.duplicates > 0) ? `; ${Math.max(...d.map((x) => x.duplicates))} rewritten twice` : ""} | ≥ 90 % of raw, 0 lost | ${met(rate / raw >= 0.9 && lost === 0)} |`,
      `| CPU per message, distributed: ingest + writer processes vs broker | ${name} | ${fmt(median(d.map((x) => x.qingshanCpuPerMsg)) * 1e6)} µs vs ${fmt(median(d.map((x) => x.brokerCpuPerMsg)) * 1e6)} µs (${fmt(median(d.map((x) => x.qingshanCpuPerMsg)) / median(d.map((x) => x.brokerCpuPerMsg)), 2)} ×); Kafka + InfluxDB ${fmt(median(d.map((x) => x.infraCpuPerMsg)) * 1e6)} µs | ≤ 0.75 × broker's | ${met(median(d.map((x) => x.qingshanCpuPerMsg)) <= 0.75 * median(d.map((x) => x.brokerCpuPerMsg)))} |`,
      coldStartRow(name, d),
      `| Peak RSS, distributed (VmHWM) | ${name} | ingest ${fmt(Math.max(...d.map((x) => x.ingestRss)))} MB, writer ${fmt(Math.max(...d.map((x) => x.writerRss)))} MB | — | — |`,
    );
  } else {
    rows.push(
      `| Distributed end-to-end rate (Mosquitto → ingest → Kafka → writer → InfluxDB) | — | skipped: ${distributed.skipped.replaceAll("|", "/")} | ≥ 90 % of raw, 0 lost | not measured |`,
    );
  }
  for (const mem of mems)
    rows.push(
      `| Evaluator memory per active series: heap + ArrayBuffer delta / series after a full GC (${mem.series} series, ${mem.hours} h of ${mem.periodMin === 60 ? "hourly" : `${mem.periodMin}-min`} data each; bench/evaluator-memory.ts) | evaluator (in-process bus) | ${fmt(mem.heapDeltaPerSeriesBytes)} B (memoryPerSeriesBytes(): ${fmt(mem.memoryPerSeriesBytes)} B) | ≤ 2 KB | ${met(mem.heapDeltaPerSeriesBytes <= 2048)} |`,
    );
  rows.push(
    `| One station's hourly means over a year of minute data (queryHourly, ${q.hours} hours, median of 5) | DuckDB store | ${fmt(q.stationYearMs, 1)} ms | ≤ 100 ms | ${met(q.stationYearMs <= 100)} |`,
    `| A year of daily AQI for all ${AIR.length} demo air stations (GET /api/v1/aqi?period=day, in parallel, median of 3) | API | ${fmt(q.aqiYearMs)} ms | ≤ 1 s | ${met(q.aqiYearMs <= 1000)} |`,
  );
  const table = rows.join("\n");
  process.stdout.write(`${table}\n`);
  const settings = [
    "BENCH_N",
    "BENCH_N_RAW",
    "BENCH_N_WARMUP",
    "BENCH_RUNS",
    "BENCH_BROKERS",
    "BENCH_SKIP_QUERIES",
    "BENCH_WRITER_LOG",
    "BENCH_WRITER_LINGER_MS",
    "BENCH_CHECKPOINT_WAL_BYTES",
    "BENCH_DUCKDB_THREADS",
    "BENCH_PIPELINE_NODE_FLAGS",
    "BENCH_SERVICE_NODE_FLAGS",
    "BENCH_PAUSE_LOG",
  ]
    .filter((k) => process.env[k] !== undefined)
    .map((k) => `${k}=${process.env[k]} `)
    .join("");
  const command = `${settings}pnpm bench`;
  const loadAverage = readLoadAverage().join(", ");
  // The bench's own processes raise the load while it runs: only the CPU use before it says
  // whether other work shared the machine.
  const busy = `${Math.round(BUSY_BEFORE * 100)} % of the CPUs busy over the 2 s before it started`;
  const shared =
    BUSY_BEFORE >= 0.15
      ? `Other work was running when it started (${busy}), so rates and CPU times are noisy.`
      : `Nothing else was running when it started (${busy}; load average ${loadAverage} at the end, from the bench's own processes); runs still vary by about ±20 % on this 2-core machine.`;
  const cpuInfo = readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown CPU";
  const nproc = execFileSync("nproc").toString().trim();
  writeFileSync(
    join(ROOT, "BENCHMARKS.md"),
    `# Benchmarks

Produced by \`${command}\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}, ${cpuInfo}, ${nproc} CPUs, Node ${process.version}; raw ceiling with ${N_RAW} messages, end to end with N = ${N} messages per run after ${N_WARMUP} warm-up messages, ${VALUES_PER_MESSAGE} values each, ${RUNS} runs. ${shared}

${table}

## Method

- **Messages**: ~200-byte JSON wire payloads \`{"ts":…,"values":{pm25,pm10,so2,no2,co,o3},"period":"PT1M"}\` on \`stations/<air station>/air\`, spread over ${LOAD.length} of the ${AIR.length} air stations (the ninth, ${PROBE_STATION}, is the alert probe's), each with a distinct ts (nothing dedupes). Published at QoS 1 from 4 connections, each keeping up to 500 unacknowledged (a sliding window).
- **Raw ceiling**: one plain \`mqtt\` subscriber (QoS 1, MQTT 3.1.1) in its own process (\`bench/raw-subscriber.ts\`) — messages received / time from the first publish to the last receipt. Its CPU per message (utime+stime of that process) is reported beside the broker's, for scale: it is the floor a Node.js MQTT consumer pays to receive and acknowledge a message before doing anything with it.
- **Warm-up**: every process measured starts fresh and first receives ${N_WARMUP} messages of the same load (earlier data times) that are not measured: just after start, Node.js interprets before its JIT has compiled the hot paths, and the store's first writes set up its state — a cost a running service pays once. The measured messages follow in data time, so they are live data for the store. The warm-up of the end-to-end runs is shown in its own "cold start" row; its readings count in "lost". The raw ceiling's subscriber (and, for aedes, the bench's own broker) is warmed up the same way.
- **End-to-end**: the pipeline runs in a child process (\`bench/pipeline-process.ts\`, fresh DuckDB in a temp dir), composed directly from the services as \`qingshan start\` does and run with the node flags of \`pnpm start\` (${START_NODE_FLAGS.join(" ") || "none"}; package.json): DuckDB store, in-process bus, writer, ingest, notifier (its MQTT channel publishing \`alerts/{stationId}\` on the same broker; no SMTP, emails go to an outbox in the temp dir), evaluator (\`config/rules.yaml\` via \`loadRulesFile\`, default settings) and the API — so every reading is also evaluated. The only setting changed from the defaults is ingest's future-skew limit (60 days instead of 5 min), because the alert probe publishes data hours ahead of now and the load's data times, one second per ${LOAD.length} messages from 2 h before the start, run hours past it. Rate = N / time from the first publish until \`qingshan_readings_written_total\` on \`/metrics\` reaches N × ${VALUES_PER_MESSAGE} (polled every 20 ms); N is large enough (${N}, as for the raw ceiling) that the last readings' wait for the writer's linger and store write, a latency reported below, is a small part of the run; readings lost = (warm-up + N) × ${VALUES_PER_MESSAGE} − the distinct readings of the load stations in the store (the sum of its hourly counts, which count a station+metric+ts once however often it was written), taken once the written count has not moved for 5 s (at most 180 s). Mosquitto is ${mosquittoNote}. Against Mosquitto the pipeline connects as an ordinary client (MQTT 5, shared subscription, one session, ingest's default window of 4000 unacknowledged messages, sent as its Receive Maximum); "aedes" is the pipeline's own embedded broker (the raw ceiling for aedes comes from a standalone \`startEmbeddedBroker\` in the bench process). With the embedded broker the station's PUBACK waits until its readings are synced to the writer's readings log (as \`qingshan start\` runs it: \`{dataDir}/writer-log\`, stored in DuckDB every 100 ms), so the publishers' window of 4 × 500 unacknowledged messages bounds the end-to-end rate; the raw ceiling's broker acknowledges on receipt. Against Mosquitto the writer's log is used the same way (the in-process bus), and the PUBACK to the broker waits for it.
- **CPU/message**: utime+stime from /proc/<pid>/stat before/after the end-to-end run, divided by N — for the pipeline child (Node main thread plus DuckDB's threads) and for the Mosquitto process. The embedded aedes broker shares the pipeline's process, so no separate ratio exists for it.
- **Latency**: after the last end-to-end run, on data times after it (live data, as before), the load stations send at half the median end-to-end rate in total, in 10 ms ticks for 20 s, each over its own QoS 1 connection as stations connect (${LOAD.length} connections); with either broker the written counter (readings in DuckDB, queryable) is scraped every 20 ms, and message k's latency = midpoint of the first scrape whose count covers k's readings − k's publish time (this includes up to one scrape interval plus the HTTP scrape, so it is an upper-ish bound; it assumes storage in publish order). It includes the writer's 100 ms linger.
- **Alert latency** (issue 4): while the latency load above runs (half the sustained rate, 20 s), a probe in its own process (\`bench/alert-probe-process.ts\`, apart from the load's publishers, which delayed its reads by up to ~35 ms in the bench process) publishes on its own station ${PROBE_STATION} (bench/alert-probe.ts), using the shipped rule \`aqi-hourly-heavy\` of config/rules.yaml (hourly AQI > 200 for 1 h, clear ≤ 180 for 2 h, damping 3 h) — no bench-specific rule. Each cycle: one hourly observation (\`period: PT1H\`) with PM2.5 200 µg/m³ in a fresh data hour — the hour's AQI is above 200 over the whole hour, so this reading raises a new alert — then clean hours until the alert's \`resolved\` event arrives, then the next cycle in a later hour (data hours run ahead of now, hence the future-skew setting). Latency = publish of the crossing reading → the \`raised\` event (rule \`aqi-hourly-heavy\`, new alert id) received by a QoS 1 subscriber of \`alerts/${PROBE_STATION}\` on the same broker. The path: ingest → bus → evaluator (windows, rules, store.writeAlertEvents, bus "alerts") → notifier → MQTT. "missed" = cycles with no raised event within 5 s.
- **Evaluator memory per series**: \`bench/evaluator-memory.ts\` in its own process with \`--expose-gc\`: a real evaluator (config/rules.yaml, default settings, in-process bus, empty DuckDB) and synthetic copies of ld-aq-01; a separate 20-station evaluator fed the same way warms up first, then (heapUsed + arrayBuffers) after a full GC is taken before creating the measured evaluator and after feeding it (30 hourly readings per series), divided by its series; the station registry is built before the first measurement (it is not the evaluator's). This counts everything the evaluator keeps per series (window buffers, quality trackers, rule state, per-station holders, maps); \`memoryPerSeriesBytes()\` is the evaluator's own estimate (window buffers plus dedupe state). Two profiles: 500 stations (3000 series) with 30 h of hourly readings (the demo stations report hourly), and 200 stations (1200 series) with 3 h of minute readings. The pipeline's value of \`memoryPerSeriesBytes()\` after the latency run is reported per broker too.
- **Distributed** (issue 5): after the Mosquitto rows and on the same Mosquitto (so the raw ceiling is the same, measured in the same run), Kafka (\`test/infra/kafka/start.sh\`) and InfluxDB (\`test/infra/influxdb/start.sh\`) are started on free loopback ports and stopped by PID afterwards (their stop scripts). Each run starts two child processes of \`bench/distributed-process.ts\`, composed directly from the packages (not \`qingshan run\`): a writer (\`createKafkaBus\` → \`createWriter\` → \`createInfluxStore\`, a fresh database per run) and an ingest (\`createIngest\` on the Mosquitto URL, MQTT 5 shared subscription → \`createKafkaBus\`, fresh topics per run, 6 partitions; ingest's future-skew limit as for the end-to-end runs), both with the node flags of \`pnpm start\`. Rate = N / time from the first publish until the writer's \`qingshan_readings_written_total\` reaches N × ${VALUES_PER_MESSAGE}; lost = N × ${VALUES_PER_MESSAGE} − \`SELECT count(value) FROM readings\` in InfluxDB (distinct points: a rewrite of station+metric+ts is the same point). CPU = utime+stime of the ingest and writer children, and separately of the Kafka and InfluxDB JVM/daemon. The evaluator and notifier are not part of this row. Versions: ${"runs" in distributed ? distributed.note : "—"}.
- **Peak RSS**: VmHWM of the pipeline child at the end of the run.
- **Queries**: a year (365 days) of minute readings (525 600) for ld-aq-01 pm25 written with \`createDuckDbStore\` directly, then \`queryHourly\` over that year timed in-process (median of 5). A year of hourly readings for all six air metrics of all air stations is written into the same store, the pipeline child is started on it and \`/api/v1/aqi?period=day\` is requested for each air station over the year, all in parallel (median of 3).
`,
  );
  log("wrote BENCHMARKS.md");
}

await main();
process.exit(0);
