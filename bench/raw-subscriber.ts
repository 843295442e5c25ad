// Child process for `pnpm bench`: the raw ceiling's plain MQTT subscriber, alone in its process so
// its CPU can be read (the floor any Node.js MQTT consumer pays before doing anything with a
// message). Subscribes at QoS 1 to `stations/+/air` on BENCH_RAW_URL, prints `READY`, then counts
// messages up to BENCH_RAW_N (stopping 3 s after the last one if fewer arrive) and prints one JSON
// line: received, lastAt (epoch ms, performance.timeOrigin based) and its own CPU µs since READY.
import mqtt from "../test/node_modules/mqtt/build/index.js";

const url = process.env.BENCH_RAW_URL;
const n = Number(process.env.BENCH_RAW_N);
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
const cpu0 = process.cpuUsage();
const finish = () => {
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ received, lastAt, cpuUs: cpu.user + cpu.system })}\n`);
  sub.end(true, {}, () => process.exit(0));
};
sub.on("message", () => {
  received += 1;
  lastAt = epochNow();
  if (received === n) finish();
});
const idle = setInterval(() => {
  if (received > 0 && epochNow() - lastAt > 3_000) {
    clearInterval(idle);
    finish();
  }
}, 100);
process.stdout.write("READY\n");
