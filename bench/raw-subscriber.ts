// Child process for `pnpm bench`: the raw ceiling's plain MQTT subscriber, alone in its process so
// its CPU can be read (the floor any Node.js MQTT consumer pays before doing anything with a
// message). Subscribes at QoS 1 to `stations/+/air` on BENCH_RAW_URL, prints `READY`, then counts
// messages up to BENCH_RAW_N (stopping 3 s after the last one if fewer arrive) and prints one JSON
// line: received, lastAt (epoch ms, performance.timeOrigin based) and its own CPU µs since READY.
// With BENCH_RAW_WARMUP=M it first receives M warm-up messages, prints `WARM` and then counts.
import mqtt from "../test/node_modules/mqtt/build/index.js";

const url = process.env.BENCH_RAW_URL;
const n = Number(process.env.BENCH_RAW_N);
const warmup = Number(process.env.BENCH_RAW_WARMUP ?? 0);
if (!url || !Number.isInteger(n) || n <= 0) throw new Error("BENCH_RAW_URL and BENCH_RAW_N are required");
const epochNow = () => performance.timeOrigin + performance.now();

const sub = await mqtt.connectAsync(url, {
  clientId: `bench-sub-${process.pid}`,
  protocolVersion: 4,
  clean: true,
});
await sub.subscribeAsync("stations/+/air", { qos: 1 });
let received = 0;
let lastAt = 0;
let warming = warmup;
let cpu0 = process.cpuUsage();
const finish = () => {
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ received, lastAt, cpuUs: cpu.user + cpu.system })}\n`);
  sub.end(true, {}, () => process.exit(0));
};
sub.on("message", () => {
  if (warming > 0) {
    lastAt = epochNow();
    if (--warming === 0) {
      cpu0 = process.cpuUsage();
      process.stdout.write("WARM\n");
    }
    return;
  }
  received += 1;
  lastAt = epochNow();
  if (received === n) finish();
});
const idle = setInterval(() => {
  if (warming === 0 && received > 0 && epochNow() - lastAt > 3_000) {
    clearInterval(idle);
    finish();
  }
}, 100);
process.stdout.write("READY\n");
