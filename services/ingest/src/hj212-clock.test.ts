import type { Bus } from "@qingshan/bus";
import {
  buildPacket,
  formatDataTime,
  type Hj212Packet,
  PacketStreamDecoder,
  parseDataTime,
} from "@qingshan/hj212";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { type Hj212ClockSetting, isSlowClock, type RealTimeUpload } from "./hj212-clock.ts";
import {
  AIR_MN,
  type Collected,
  clock,
  gate,
  NOW,
  PACKET_B,
  PACKET_B_RESPONSE,
} from "./testdata/fixtures.ts";
import { connectTcpStation, repliesBefore, startHj212Listener } from "./testdata/hj212-listener.ts";

// 校时 over HJ 212 TCP (hj212.md §3: 1012 set field-machine time, 1013 time-calibration request,
// 9011/9012 the station's answers, 9013 notification response). The pipeline's clock is the
// fixtures' NOW (2026-11-28 10:31 Beijing); the 1012's SystemTime is the host's real clock.

const cleanups = cleanupsAfterEach();

interface Logged {
  level: number;
  msg: string;
  station?: string;
}

/**
 * A listener on a free port. `hostClock`: the clock of the listener (the 1012's SystemTime and QN,
 * a packet's arrival) and of the pipeline, as createIngest shares one; by default the listener's
 * is the real one, so that SystemTime is checked against the machine's time, and the pipeline's NOW.
 */
async function setup({
  clockSetting,
  clockSetIntervalMs,
  slowClockThresholdMs,
  hostClock,
  prepare,
}: {
  clockSetting?: Hj212ClockSetting;
  clockSetIntervalMs?: number;
  slowClockThresholdMs?: number;
  hostClock?: () => number;
  prepare?: (bus: Bus) => Promise<void>;
} = {}) {
  const logged: Logged[] = [];
  const logger = pino(
    { level: "info" },
    { write: (line: string) => void logged.push(JSON.parse(line) as Logged) },
  );
  const { port, got, counter } = await startHj212Listener(cleanups, {
    logger,
    pipelineClock: hostClock ?? clock,
    ...(clockSetting === undefined ? {} : { clockSetting }),
    ...(clockSetIntervalMs === undefined ? {} : { clockSetIntervalMs }),
    ...(slowClockThresholdMs === undefined ? {} : { slowClockThresholdMs }),
    ...(hostClock === undefined ? {} : { clock: hostClock }),
    ...(prepare === undefined ? {} : { prepare }),
  });
  return { port, got, logged, counter };
}

/** A station connection; `packets()` parses everything the host sent so far (CRC checked). */
async function station(port: number) {
  const connection = await connectTcpStation(port, cleanups);
  const packets = (): Hj212Packet[] =>
    new PacketStreamDecoder().push(connection.received()).map((item) => {
      if (item.packet === undefined)
        throw new Error(`host sent a bad packet: ${item.error?.message} in ${item.raw}`);
      return item.packet;
    });
  /**
   * Writes `packets`, then example B (Flag=5): packets of a connection are handled in order, so once
   * B's 9014 is in, everything before it was; returns what the host sent before that 9014.
   */
  const send = (...sent: string[]): Promise<Hj212Packet[]> =>
    repliesBefore(connection, sent, PACKET_B, PACKET_B_RESPONSE);
  return { socket: connection.socket, packets, send };
}

function airPacket(cn: string, qn: string, cp: string, flag = 5, mn = AIR_MN): string {
  return buildPacket({ qn, st: "22", cn, pw: "123456", mn, flag, cp });
}

/** Real-time data of ld-aq-01 stamped `dataTime` (Beijing), Flag=5. */
function upload(qn: string, dataTime: string): string {
  return airPacket("2011", qn, `DataTime=${dataTime};a34004-Rtd=35,a34004-Flag=N`);
}

/** Checks a 1012 the host sent: CN, ST, Flag, MN, PW, QN and SystemTime near the host's clock. */
function expectSetTime(packet: Hj212Packet | undefined, from: number, to: number, polId?: string): void {
  expect(packet).toMatchObject({
    st: "22",
    cn: "1012",
    mn: AIR_MN,
    pw: "123456",
    flag: { value: 5, needAck: true },
  });
  const systemTime = parseDataTime(packet?.cp.other.SystemTime ?? "");
  // SystemTime has whole seconds, Beijing time (hj212.md §1.1: YYYYMMDDhhmmss as DataTime).
  expect(systemTime).toBeGreaterThanOrEqual(Math.floor(from / 1000) * 1000);
  expect(systemTime).toBeLessThanOrEqual(to);
  expect(parseDataTime(packet?.qn?.slice(0, 14) ?? "")).toBe(systemTime);
  expect(Object.keys(packet?.cp.other ?? {})).toEqual(
    polId === undefined ? ["SystemTime"] : ["PolId", "SystemTime"],
  );
  if (polId !== undefined) expect(packet?.cp.other.PolId).toBe(polId);
}

const TIME_REQUEST_ACK = airPacket("1013", "20261128103000001", "");
/** A fast clock: ld-aq-01's data stamped an hour after the host's NOW (10:31). */
const AHEAD_1 = upload("20261128113000001", "20261128113000");
const AHEAD_2 = upload("20261128113100001", "20261128113100");

function expectNothingStoredOrDeadLettered(got: Collected): void {
  expect(got.deadLetters.map((d) => d.value.code)).toEqual([]);
  // Only example B's readings (ld-wq-02), written after each test's packets.
  expect(got.readings.filter((d) => d.value.stationId !== "ld-wq-02")).toEqual([]);
}

describe("HJ 212 time calibration request (CN 1013)", () => {
  it("answers Flag=5 with the 9013 notification response, then sets the clock with 1012", async () => {
    const { port, got, counter } = await setup();
    const { send } = await station(port);
    const from = Date.now();
    const replies = await send(TIME_REQUEST_ACK);
    const to = Date.now();
    expect(replies.map((p) => p.cn)).toEqual(["9013", "1012"]);
    expect(replies[0]?.raw).toBe(
      buildPacket({
        qn: "20261128103000001",
        st: "91",
        cn: "9013",
        pw: "123456",
        mn: AIR_MN,
        flag: 4,
        cp: "",
      }),
    );
    expectSetTime(replies[1], from, to);
    expectNothingStoredOrDeadLettered(got);
    expect(await counter("qingshan_hj212_time_requests_total")).toBe(1);
    expect(await counter("qingshan_hj212_clock_sets_total", { reason: "request" })).toBe(1);
    expect(await counter("qingshan_messages_total", { source: "hj212-tcp" })).toBe(2);
  });

  it("sends only the 1012 to a request without A (Flag=4), naming the instrument it named (PolId)", async () => {
    const { port, got } = await setup();
    const { send } = await station(port);
    const from = Date.now();
    const replies = await send(airPacket("1013", "20261128103000002", "PolId=a34004", 4));
    expect(replies).toHaveLength(1);
    expectSetTime(replies[0], from, Date.now(), "a34004");
    expectNothingStoredOrDeadLettered(got);
  });

  it("leaves the request of an MN no station has a dead letter, unanswered", async () => {
    const { port, got, counter } = await setup();
    const { send } = await station(port);
    const stranger = "ZZ".padEnd(AIR_MN.length, "0");
    expect(await send(airPacket("1013", "20261128103000003", "", 5, stranger))).toEqual([]);
    expect(got.deadLetters.map((d) => [d.value.code, d.value.path])).toEqual([["station.unknown", "MN"]]);
    // Counted once (the 1013 and example B), not once per decode.
    expect(await counter("qingshan_messages_total", { source: "hj212-tcp" })).toBe(2);
  });

  it("with hj212.clockSetting off answers the 9013 but sets no clock", async () => {
    const { port, counter } = await setup({ clockSetting: "off" });
    const { send } = await station(port);
    expect((await send(TIME_REQUEST_ACK)).map((p) => p.cn)).toEqual(["9013"]);
    expect(await counter("qingshan_hj212_clock_sets_total", { reason: "request" })).toBe(0);
  });
});

// The pipeline and the listener share one clock, the fixtures' NOW (createIngest gives both its
// `clock`), so the 1012 carries exactly NOW: 2026-11-28 10:31:00 Beijing.
describe("HJ 212 clock ahead (ts.future)", () => {
  it("answers the upload (9014), then sets the clock once per interval per MN", async () => {
    const { port, got, counter, logged } = await setup({ hostClock: clock });
    const { send } = await station(port);
    const first = await send(AHEAD_1);
    expect(first.map((p) => p.cn)).toEqual(["9014", "1012"]);
    expect(first[0]?.qn).toBe("20261128113000001");
    expectSetTime(first[1], NOW, NOW);
    expect(first[1]?.cp.other.SystemTime).toBe("20261128103100");
    // The next fast upload within the interval (10 min) is answered, and not followed by a 1012.
    expect((await send(AHEAD_2)).map((p) => p.cn)).toEqual(["9014"]);
    expect(got.deadLetters.map((d) => [d.value.code, d.value.stationId])).toEqual([
      ["ts.future", "ld-aq-01"],
      ["ts.future", "ld-aq-01"],
    ]);
    expect(await counter("qingshan_hj212_clock_sets_total", { reason: "future" })).toBe(1);
    expect(logged.filter((l) => l.msg.includes("1012")).map((l) => l.msg)).toEqual([
      expect.stringMatching(
        /^HJ 212 station ld-aq-01: clock ahead: DataTime 20261128113000 is 3540 s ahead of the host clock .*; sent 1012 set-time SystemTime=\d{14} \(QN \d{17}\)$/,
      ),
    ]);
  });

  it("sets it again once the interval has passed", async () => {
    let now = NOW;
    const { port } = await setup({ clockSetIntervalMs: 60_000, hostClock: () => now });
    const { send } = await station(port);
    expect((await send(AHEAD_1)).map((p) => p.cn)).toEqual(["9014", "1012"]);
    now += 60_000;
    expect((await send(AHEAD_2)).map((p) => p.cn)).toEqual(["9014", "1012"]);
  });

  it("does not set a clock for old data: a backlog (stored) or data past the lateness (ts.too_late)", async () => {
    const { port, got, counter } = await setup();
    const { send } = await station(port);
    const backlog = upload("20261127103000001", "20261127103000"); // yesterday, resent
    const tooOld = upload("20261118103000001", "20261118103000"); // 10 days old
    expect((await send(backlog, tooOld)).map((p) => p.cn)).toEqual(["9014", "9014"]);
    expect(got.deadLetters.map((d) => d.value.code)).toEqual(["ts.too_late"]);
    expect(got.readings).toHaveLength(10);
    expect(await counter("qingshan_hj212_clock_sets_total", { reason: "future" })).toBe(0);
  });

  it.each(["off", "on-request"] as const)(
    "with hj212.clockSetting %s only answers the upload",
    async (clockSetting) => {
      const { port, got } = await setup({ clockSetting });
      const { send } = await station(port);
      expect((await send(AHEAD_1)).map((p) => p.cn)).toEqual(["9014"]);
      expect(got.deadLetters.map((d) => d.value.code)).toEqual(["ts.future"]);
    },
  );
});

describe("HJ 212 answers to our 1012 (9011 QnRtn, 9012 ExeRtn)", () => {
  it("counts and logs them instead of dead-lettering each; a refusal is a warning naming the station", async () => {
    const { port, got, counter, logged } = await setup();
    const { send } = await station(port);
    const [, setTime] = await send(TIME_REQUEST_ACK);
    const qn = setTime?.qn as string;
    const answer = (cn: string, cp: string) =>
      buildPacket({ qn, st: "91", cn, pw: "123456", mn: AIR_MN, flag: 4, cp });
    expect(
      await send(answer("9011", "QnRtn=1"), answer("9012", "ExeRtn=1"), answer("9011", "QnRtn=2")),
    ).toEqual([]);
    expectNothingStoredOrDeadLettered(got);
    expect(await counter("qingshan_hj212_command_answers_total", { cn: "9011", result: "1" })).toBe(1);
    expect(await counter("qingshan_hj212_command_answers_total", { cn: "9012", result: "1" })).toBe(1);
    expect(await counter("qingshan_hj212_command_answers_total", { cn: "9011", result: "2" })).toBe(1);
    const answers = logged.filter((l) => l.msg.includes(" answers 901"));
    expect(answers.map((l) => [l.level, l.msg])).toEqual([
      [
        30,
        `HJ 212 station ld-aq-01 answers 9011 QnRtn=1 ready to execute to our 1012 set-time command (QN ${qn}, asked for by the station)`,
      ],
      [
        30,
        `HJ 212 station ld-aq-01 answers 9012 ExeRtn=1 success to our 1012 set-time command (QN ${qn}, asked for by the station)`,
      ],
      [
        40,
        `HJ 212 station ld-aq-01 answers 9011 QnRtn=2 refused to our 1012 set-time command (QN ${qn}, asked for by the station): its clock was not set; check the station (its PW and MN as configured there, its log)`,
      ],
    ]);
  });
});

// A slow clock stamps real-time data (2011, sent as soon as measured) a constant lag in the past:
// within the lateness they are stored at the wrong times. Host and pipeline share a clock `now`
// that the tests move on as a station sending every 30 s would see it; the station is 5 min slow.
describe("HJ 212 clock behind (real-time data arriving late by a constant lag)", () => {
  const SLOW_MS = 5 * 60_000;

  /** A listener whose clock (host and pipeline) is `at.now`, starting at NOW. */
  async function slowSetup(options: Parameters<typeof setup>[0] = {}) {
    const at = { now: NOW };
    const listener = await setup({ ...options, hostClock: () => at.now });
    const connection = await station(listener.port);
    /**
     * The station sends `count` real-time uploads `stepMs` apart, each at host time
     * DataTime + `lagMs` (the host clock moves on with them); returns the CNs the host sent back.
     */
    async function realTime(count: number, lagMs: number, stepMs = 30_000): Promise<string[]> {
      const replies: string[] = [];
      for (let i = 0; i < count; i++) {
        const dataTime = at.now - lagMs;
        const text = formatDataTime(dataTime);
        replies.push(...(await connection.send(upload(`${text}001`, text))).map((p) => p.cn));
        at.now += stepMs;
      }
      return replies;
    }
    return { ...listener, ...connection, at, realTime };
  }

  it("sets the clock after 3 uploads with the same lag: one 1012 of the host's Beijing time, then none within the interval", async () => {
    const { realTime, send, at, got, counter, logged } = await slowSetup();
    const replies: Hj212Packet[] = [];
    for (let i = 0; i < 3; i++) {
      const text = formatDataTime(at.now - SLOW_MS + (i % 2) * 2000); // lags of 300 s, 298 s, 300 s
      replies.push(...(await send(upload(`${text}001`, text))));
      if (i < 2) at.now += 30_000;
    }
    expect(replies.map((p) => p.cn)).toEqual(["9014", "9014", "9014", "1012"]);
    expectSetTime(replies[3], at.now, at.now);
    // NOW (10:31:00 Beijing) + 2 × 30 s: the host's time, not the station's 10:27:00.
    expect(replies[3]?.cp.other.SystemTime).toBe("20261128103200");
    // The readings are stored as before, at the (wrong) times the station sent.
    expect(got.readings.filter((d) => d.value.stationId === "ld-aq-01").map((d) => d.value.ts)).toEqual([
      Date.parse("2026-11-28T10:26:00+08:00"),
      Date.parse("2026-11-28T10:26:32+08:00"),
      Date.parse("2026-11-28T10:27:00+08:00"),
    ]);
    expect(got.deadLetters).toEqual([]);
    // A station that did not apply the time is set again only after clockSetIntervalMs (10 min).
    at.now += 30_000;
    expect(await realTime(6, SLOW_MS)).toEqual(Array(6).fill("9014"));
    expect(await counter("qingshan_hj212_clock_sets_total", { reason: "slow" })).toBe(1);
    expect(await counter("qingshan_hj212_clock_sets_total", { reason: "future" })).toBe(0);
    expect(logged.filter((l) => l.msg.includes("1012")).map((l) => l.msg)).toEqual([
      "HJ 212 station ld-aq-01: clock behind: its last 3 real-time uploads (2011, up to DataTime 20261128102700) arrived 300, 298, 300 s after their DataTime (stored at the station's time); sent 1012 set-time SystemTime=20261128103200 (QN 20261128103200000)",
    ]);
  });

  it("does not take a backlog for a slow clock: old real-time data resent at once have lags that shrink", async () => {
    const { send, realTime, counter } = await slowSetup();
    // 10, 9, 8 min old (lags 600, 540, 480 s), then 5 s apart (lags 420, 415, 410 s: within 10 s
    // of each other, but shrinking as fast as their DataTimes advance).
    const old = (minutes: number) => {
      const text = formatDataTime(NOW - minutes);
      return upload(`${text}001`, text);
    };
    const minute = 60_000;
    const backlog = [10 * minute, 9 * minute, 8 * minute, 7 * minute, 7 * minute - 5000, 7 * minute - 10_000];
    expect((await send(...backlog.map(old))).map((p) => p.cn)).toEqual(Array(6).fill("9014"));
    expect(await counter("qingshan_hj212_clock_sets_total", { reason: "slow" })).toBe(0);
    // The same station's real-time data, 5 min behind, then do.
    expect(await realTime(3, SLOW_MS)).toEqual(["9014", "9014", "9014", "1012"]);
  });

  it("does not take a backlog read as fast as it is handled for a slow clock, though its lags stay constant", async () => {
    // Real-time data 5 days old, 30 s apart, written one after the other while the first waits for
    // the bus: each is read 30 s (host clock) after the one before, as when reading is paced by
    // handling (TCP back-pressure), so their lags are all 5 days. Before: a 1012 after the third.
    const held = gate();
    let entered = false;
    const at = { now: NOW };
    let reads = 0;
    const { port, counter } = await setup({
      hostClock: () => {
        reads++;
        return at.now;
      },
      prepare: async (bus) => {
        await bus.subscribe("readings", { group: "writer", durable: true }, async () => {
          entered = true;
          await held.promise;
        });
      },
    });
    const { socket, packets } = await station(port);
    const days5 = 5 * 86_400_000;
    for (let i = 0; i < 5; i++) {
      const text = formatDataTime(at.now - days5);
      const before = reads;
      socket.write(upload(`${text}001`, text));
      await waitFor(() => reads > before && (i > 0 || entered), { what: `packet ${i + 1} read` });
      at.now += 30_000;
    }
    held.release();
    await waitFor(() => packets().length >= 5, { what: "5 replies" });
    expect(packets().map((p) => p.cn)).toEqual(Array(5).fill("9014"));
    expect(await counter("qingshan_hj212_clock_sets_total", { reason: "slow" })).toBe(0);
  });

  it("takes no resent packet for new real-time data", async () => {
    const { send, at, realTime, counter } = await slowSetup();
    const text = formatDataTime(NOW - SLOW_MS);
    const packet = upload(`${text}001`, text);
    // Three times at once (one lag, 300 s), then every 5 s (lags 305, 310 s): one DataTime.
    expect((await send(packet, packet, packet)).map((p) => p.cn)).toEqual(["9014", "9014", "9014"]);
    for (let i = 0; i < 2; i++) {
      at.now += 5000;
      expect((await send(packet)).map((p) => p.cn)).toEqual(["9014"]);
    }
    expect(await counter("qingshan_hj212_clock_sets_total", { reason: "slow" })).toBe(0);
    // It counts once, with the lag of its first arrival: two new uploads 5 min behind complete the run.
    at.now += 5000;
    expect(await realTime(2, SLOW_MS)).toEqual(["9014", "9014", "1012"]);
  });

  it("sets no clock for minute (2051) or hourly (2061) data sent late, only for real-time data", async () => {
    const { send, at, realTime, got } = await slowSetup();
    const sent: string[] = [];
    for (const [cn, stepMs] of [
      ["2051", 60_000],
      ["2061", 3_600_000],
    ] as const) {
      for (let i = 0; i < 3; i++) {
        const text = formatDataTime(at.now - SLOW_MS);
        const cp = `DataTime=${text};a34004-Avg=35,a34004-Flag=N`;
        sent.push(...(await send(airPacket(cn, `${text}001`, cp))).map((p) => p.cn));
        at.now += stepMs;
      }
    }
    expect(sent).toEqual(Array(6).fill("9014"));
    expect(got.readings.filter((d) => d.value.stationId === "ld-aq-01")).toHaveLength(6);
    expect(await realTime(3, SLOW_MS)).toEqual(["9014", "9014", "9014", "1012"]);
  });

  it("sets a slow clock only with hj212.clockSetting auto", async () => {
    const sets: Record<string, string[]> = {};
    for (const clockSetting of ["auto", "on-request", "off"] as const) {
      const { realTime, counter } = await slowSetup({ clockSetting });
      sets[clockSetting] = await realTime(4, SLOW_MS);
      expect(await counter("qingshan_hj212_clock_sets_total")).toBe(clockSetting === "auto" ? 1 : 0);
    }
    expect(sets).toEqual({
      auto: ["9014", "9014", "9014", "1012", "9014"],
      "on-request": Array(4).fill("9014"),
      off: Array(4).fill("9014"),
    });
  });

  it("sets none for a lag below hj212.slowClockThresholdMs (default 2 min)", async () => {
    const lagMs = 119_000;
    const byDefault = await slowSetup();
    expect(await byDefault.realTime(5, lagMs)).toEqual(Array(5).fill("9014"));
    const lower = await slowSetup({ slowClockThresholdMs: 90_000 });
    expect(await lower.realTime(3, lagMs)).toEqual(["9014", "9014", "9014", "1012"]);
  });
});

describe("isSlowClock", () => {
  /** Uploads of DataTimes `start`, `start + stepMs`, … received `lagsS` seconds after each. */
  const uploads = (stepMs: number, ...lagsS: number[]): RealTimeUpload[] =>
    lagsS.map((lag, i) => ({ dataTime: NOW + i * stepMs, receivedAt: NOW + i * stepMs + lag * 1000 }));

  it.each([
    ["a constant lag of 5 min", uploads(30_000, 300, 301, 299), true],
    ["lags just within 10 s of each other", uploads(30_000, 300, 310, 305), true],
    ["lags of exactly the threshold", uploads(30_000, 120, 120, 120), true],
    ["only the last 3 count", uploads(30_000, 5, 300, 300, 300), true],
    ["fewer than 3 uploads", uploads(30_000, 300, 300), false],
    ["one lag below the threshold", uploads(30_000, 300, 119, 300), false],
    ["lags 11 s apart", uploads(30_000, 300, 311, 305), false],
    ["a backlog sent at once, 1 min apart", uploads(60_000, 600, 540, 480), false],
    ["a backlog sent at once, 5 s apart", uploads(5000, 420, 415, 410), false],
    ["a packet resent at once", uploads(0, 300, 300, 300), false],
    ["DataTimes going back", uploads(-30_000, 300, 300, 300), false],
  ])("%s: %s", (_, run, slow) => {
    expect(isSlowClock(run, 120_000)).toBe(slow);
  });
});
