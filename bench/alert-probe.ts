// Alert latency probe for `pnpm bench` (issue 4): publish → alert event on the MQTT alerts topic.
//
// The probe station receives one hourly observation per data hour (period PT1H), in hours ahead
// of the background load's, so each cycle raises a fresh alert of the shipped rule
// `aqi-hourly-heavy` (config/rules.yaml: level heavy at hourly AQI > 200 held 1 h — the probe's AQI 250
// stays below the severe level's 300 — clear ≤ 180 for 2 h, damping 3 h):
//   hour L: PM2.5 200 µg/m³, an hourly observation (period PT1H) — the crossing reading: the hour's
//   AQI is > 200 over the whole hour, which satisfies `for: 1h` → `raised` → clean hours until the
//   alert is `resolved` → next cycle.
// Latency = publish of the crossing reading → the `raised` event arriving on `alerts/{station}`.
import mqtt from "../test/node_modules/mqtt/build/index.js";

const HOUR = 3_600_000;
const RULE = "aqi-hourly-heavy";

export interface AlertProbeResult {
  /** Latency of each raised alert, ms. */
  readonly latencies: number[];
  /** Cycles whose raised event did not arrive within the timeout. */
  readonly missed: number;
  readonly cycles: number;
  /** Data hours the probe used (ahead of now). */
  readonly hoursAhead: number;
}

interface Probe {
  readonly stationId: string;
  readonly brokerUrl: string;
  /** Run until this deadline (performance.now() ms) or `maxCycles`. */
  readonly until: number;
  readonly maxCycles: number;
  readonly timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs probe cycles until the deadline; returns the latencies. */
export async function alertLatencyProbe(probe: Probe): Promise<AlertProbeResult> {
  const timeoutMs = probe.timeoutMs ?? 5_000;
  const topic = `stations/${probe.stationId}/air`;
  const sub = await mqtt.connectAsync(probe.brokerUrl, {
    clientId: `bench-alert-sub-${process.pid}`,
    protocolVersion: 4,
    clean: true,
  });
  const pub = await mqtt.connectAsync(probe.brokerUrl, {
    clientId: `bench-alert-pub-${process.pid}`,
    protocolVersion: 4,
  });
  const raised = new Map<string, number>(); // dataTime → arrival
  const resolved = new Set<string>();
  let waiter: (() => void) | undefined;
  sub.on("message", (_t, payload) => {
    const at = performance.now();
    const e = JSON.parse(payload.toString()) as {
      ruleId: string;
      type: string;
      alertId: string;
      dataTime?: string;
    };
    if (e.ruleId !== RULE) return;
    if (e.type === "raised") raised.set(e.alertId, at);
    if (e.type === "resolved") resolved.add(e.alertId);
    waiter?.();
  });
  await sub.subscribeAsync(`alerts/${probe.stationId}`, { qos: 1 });
  const waitFor = async (cond: () => boolean, ms: number) => {
    const end = performance.now() + ms;
    while (!cond() && performance.now() < end) {
      await Promise.race([
        new Promise<void>((r) => (waiter = r)),
        sleep(Math.max(1, end - performance.now())),
      ]);
    }
    waiter = undefined;
    return cond();
  };
  const send = (hourEnd: number, pm25: number, k: number) =>
    pub.publishAsync(
      topic,
      JSON.stringify({
        ts: hourEnd - HOUR,
        // Slightly varied values so the stuck-sensor rule stays quiet.
        values: { pm25, pm10: 60 + (k % 9), so2: 8 + (k % 5), no2: 30 + (k % 7), co: 0.8, o3: 90 + (k % 11) },
        period: "PT1H",
      }),
      { qos: 1 },
    );

  const latencies: number[] = [];
  let missed = 0;
  let cycles = 0;
  const first = Math.ceil(Date.now() / HOUR) * HOUR + HOUR;
  let hour = first;
  let k = 0;
  while (cycles < probe.maxCycles && performance.now() < probe.until) {
    cycles += 1;
    const before = new Set(raised.keys());
    const t0 = performance.now();
    await send(hour, 200, k++);
    hour += HOUR;
    const ok = await waitFor(() => raised.size > before.size, timeoutMs);
    const alertId = [...raised.keys()].find((id) => !before.has(id));
    if (ok && alertId !== undefined) latencies.push((raised.get(alertId) as number) - t0);
    else missed += 1;
    // Clean hours until the alert resolves (clear 2 h + damping 3 h with the shipped rule).
    for (let i = 0; i < 12; i += 1) {
      await send(hour, 20 + (i % 3), k++);
      hour += HOUR;
      if (alertId === undefined || (await waitFor(() => resolved.has(alertId), 20))) break;
    }
    if (alertId !== undefined) await waitFor(() => resolved.has(alertId), 1_000);
    hour += HOUR;
  }
  await Promise.all([sub.endAsync(), pub.endAsync()]);
  return { latencies, missed, cycles, hoursAhead: (hour - first) / HOUR };
}
