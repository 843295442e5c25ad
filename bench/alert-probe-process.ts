// Child process for `pnpm bench`: the alert latency probe (alert-probe.ts) alone in its process, so
// its publishes and its alert subscriber are not delayed by the bench's own load publishers (in the
// bench process they waited behind them: up to ~35 ms between the broker sending the alert and the
// probe reading it at 12 000 msg/s of background). Environment: BENCH_PROBE_STATION,
// BENCH_PROBE_URL, BENCH_PROBE_SECONDS, BENCH_PROBE_MAX_CYCLES. Prints one JSON line: the result.
import { alertLatencyProbe } from "./alert-probe.ts";

const env = process.env;
const stationId = env.BENCH_PROBE_STATION;
const brokerUrl = env.BENCH_PROBE_URL;
const seconds = Number(env.BENCH_PROBE_SECONDS);
if (!stationId || !brokerUrl || !(seconds > 0)) {
  throw new Error("BENCH_PROBE_STATION, BENCH_PROBE_URL and BENCH_PROBE_SECONDS are required");
}
const result = await alertLatencyProbe({
  stationId,
  brokerUrl,
  until: performance.now() + seconds * 1000,
  maxCycles: Number(env.BENCH_PROBE_MAX_CYCLES ?? 1000),
});
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
