// Profiling driver for the whole embedded pipeline over MQTT: starts bench/pipeline-process.ts
// (embedded aedes, DuckDB, writer, evaluator, notifier, API) as a child, publishes N bench-shaped
// messages at QoS 1 from 4 connections × 500 in flight (as `pnpm bench` does), waits until all
// readings are written, and prints the child's CPU µs per message (/proc utime+stime) and the rate.
// With PROFILE_CPU_PROF=DIR the child runs under `node --cpu-prof --cpu-prof-dir=DIR`; PROFILE_NODE_FLAGS
// adds node flags to the child; PROFILE_WARMUP=M first sends M messages that are not measured (a
// fresh process spends 40–80 % more CPU per message until the JIT has compiled the hot paths);
// PROFILE_BY_TID=1 lists threads one by one (V8's platform workers are the first four after main);
// PROFILE_CHILD_STDOUT=FILE appends the child's stdout to FILE (e.g. with PROFILE_NODE_FLAGS=--trace-gc);
// BENCH_STEADY_CPU_PROFILE=FILE writes a CPU profile of the measured messages only (after the warm-up).
//
//   node --import tsx bench/profile-mqtt.ts                          # PROFILE_N=20000
//   PROFILE_CPU_PROF=/tmp/prof node --import tsx bench/profile-mqtt.ts

import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "../services/simulator/node_modules/mqtt/build/index.js";
import { loadMessages } from "./load-messages.ts";

const ROOT = join(import.meta.dirname, "..");
const N = Number(process.env.PROFILE_N ?? 20_000);
const LOAD = ["ld-aq-01", "ld-aq-02", "ld-aq-03", "ld-aq-04", "ld-aq-05", "ld-aq-06", "ld-aq-07", "ld-aq-08"];

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds by thread name (/proc/<pid>/task/<tid>/comm), user and system, summed per name. */
function cpuByThread(pid: number): Map<string, { user: number; sys: number }> {
  const out = new Map<string, { user: number; sys: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const name = tid === String(pid) ? "main" : `${comm} ${process.env.PROFILE_BY_TID ? tid : ""}`.trim();
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const prev = out.get(name) ?? { user: 0, sys: 0 };
      out.set(name, { user: prev.user + Number(fields[11]) / 100, sys: prev.sys + Number(fields[12]) / 100 });
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

async function writtenTotal(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("qingshan_readings_written_total"));
  return line === undefined ? 0 : Number(line.split(" ").pop());
}

const dataDir = mkdtempSync(join(tmpdir(), "qingshan-profile-mqtt-"));
const prof = process.env.PROFILE_CPU_PROF;
const child = spawn(
  process.execPath,
  [
    ...(process.env.PROFILE_NODE_FLAGS?.split(" ").filter(Boolean) ?? []),
    ...(prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : []),
    "--import",
    "tsx",
    "bench/pipeline-process.ts",
  ],
  {
    cwd: ROOT,
    env: { ...process.env, BENCH_DATA_DIR: dataDir, BENCH_MAX_FUTURE_SKEW_MS: String(60 * 86_400_000) },
    stdio: ["ignore", "pipe", "inherit"],
  },
);
const ready = await new Promise<{ apiUrl: string; brokerUrl: string }>((resolve, reject) => {
  let text = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    if (process.env.PROFILE_CHILD_STDOUT) appendFileSync(process.env.PROFILE_CHILD_STDOUT, chunk);
    text += chunk.toString();
    const m = /QINGSHAN_BENCH_READY (\{.*\})/.exec(text);
    if (m) resolve(JSON.parse(m[1] as string));
  });
  child.once("exit", (code) => reject(new Error(`pipeline exited with ${code}`)));
});
const pid = child.pid as number;

const WARMUP = Number(process.env.PROFILE_WARMUP ?? 0);
const conns = await Promise.all(
  [0, 1, 2, 3].map((k) =>
    mqtt.connectAsync(ready.brokerUrl, { clientId: `profile-pub-${k}`, protocolVersion: 4 }),
  ),
);
async function publishAll(msgs: Array<{ topic: string; payload: string }>, total: number): Promise<void> {
  await Promise.all(
    conns.map(async (client, k) => {
      const mine = msgs.filter((_, i) => i % 4 === k);
      let next = 0;
      const lane = async () => {
        while (next < mine.length) {
          const m = mine[next++] as { topic: string; payload: string };
          await client.publishAsync(m.topic, m.payload, { qos: 1 });
        }
      };
      await Promise.all(Array.from({ length: 500 }, lane));
    }),
  );
  while ((await writtenTotal(ready.apiUrl)) < total * 6) await new Promise((r) => setTimeout(r, 100));
}
// Warm-up (not measured): the same load on older data times, so the JIT has compiled the hot paths.
if (WARMUP > 0) await publishAll(loadMessages(LOAD, WARMUP), WARMUP);
// With BENCH_STEADY_CPU_PROFILE=FILE the child profiles from here on (bench/pipeline-process.ts).
if (process.env.BENCH_STEADY_CPU_PROFILE) {
  process.kill(pid, "SIGUSR2");
  await new Promise((r) => setTimeout(r, 200));
}
const msgs = loadMessages(LOAD, N, Math.ceil(WARMUP / LOAD.length) * 1000 + 1000);
const cpu0 = cpuSeconds(pid);
const threads0 = cpuByThread(pid);
const t0 = performance.now();
await publishAll(msgs, WARMUP + N);
const seconds = (performance.now() - t0) / 1000;
const cpu = cpuSeconds(pid) - cpu0;
const threads1 = cpuByThread(pid);
console.log(
  `MQTT end to end (embedded aedes, pipeline child): N=${N}: ${((cpu / N) * 1e6).toFixed(1)} µs CPU/message, ${Math.round(N / seconds)} msg/s`,
);
const metricsText = await (await fetch(`${ready.apiUrl}/metrics`)).text();
const writes = /qingshan_write_latency_seconds_count\{kind="readings"\} (\d+)/.exec(metricsText)?.[1];
if (writes !== undefined)
  console.log(
    `  ${writes} writer bus batches (handler calls), ${Math.round((N * 6) / Number(writes))} readings each`,
  );
for (const [name, t] of threads1) {
  const before = threads0.get(name) ?? { user: 0, sys: 0 };
  const user = ((t.user - before.user) / N) * 1e6;
  const sys = ((t.sys - before.sys) / N) * 1e6;
  if (user + sys > 0.5)
    console.log(`  thread ${name}: user ${user.toFixed(1)} µs, sys ${sys.toFixed(1)} µs per message`);
}
await Promise.all(conns.map((c) => c.endAsync()));
const exited = new Promise((r) => child.once("exit", r));
process.kill(pid, "SIGTERM");
await exited;
rmSync(dataDir, { recursive: true, force: true });
