import type { Rejection } from "@qingshan/domain";
import {
  buildNotificationResponse,
  buildSetTimeCommand,
  commandAnswer,
  formatDataTime,
  type Hj212Packet,
  parseDataTime,
} from "@qingshan/hj212";
import type { Logger } from "pino";
import { type Counter, register as globalRegister, type Registry } from "prom-client";
import { registeredCounter } from "./metrics.ts";

/**
 * hj212.clockSetting — when ingest sets a station's clock with the host command 1012 (校时):
 * - `auto` (default): when the station asks (1013 time-calibration request), when a data upload's
 *   DataTime is further ahead of the host clock than `limits.maxFutureSkewMs` (its readings are
 *   dead-lettered `ts.future`), and when its real-time data (2011) arrive behind by a constant lag
 *   (a slow clock, {@link isSlowClock}), at most once per {@link DEFAULT_CLOCK_SET_INTERVAL_MS} per MN;
 * - `on-request`: only when the station asks (1013);
 * - `off`: never (a 1013 is still answered 9013 when its Flag asks for it, counted and logged).
 */
export const HJ212_CLOCK_SETTINGS = ["auto", "on-request", "off"] as const;
export type Hj212ClockSetting = (typeof HJ212_CLOCK_SETTINGS)[number];

/** At most one 1012 per MN this often for a clock found fast or slow (a station sends every few seconds). */
export const DEFAULT_CLOCK_SET_INTERVAL_MS = 10 * 60_000;

/**
 * hj212.slowClockThresholdMs: a station's real-time data (2011) arriving at least this long after
 * their DataTime, by a constant lag, mean its clock is slow. Real-time data are sent as soon as
 * measured and arrive seconds after their DataTime; 2 min is far above that and far below the
 * hour, so hourly means are not shifted by a clock set too eagerly.
 */
export const DEFAULT_SLOW_CLOCK_THRESHOLD_MS = 2 * 60_000;

/** Consecutive real-time uploads that must each show the lag before a clock is found slow. */
export const SLOW_CLOCK_UPLOADS = 3;

/** How far apart those uploads' lags may be (a slow clock's lag is constant, up to transit jitter). */
export const SLOW_CLOCK_LAG_SPREAD_MS = 10_000;

/** A real-time upload as the host received it: its DataTime and when it arrived (UTC ms). */
export interface RealTimeUpload {
  readonly dataTime: number;
  readonly receivedAt: number;
}

/**
 * Whether the last real-time uploads (CN 2011, oldest first) of a station show a slow clock: the
 * last {@link SLOW_CLOCK_UPLOADS} arrived each at least `thresholdMs` after their DataTime, with
 * DataTimes strictly increasing, and lags (receivedAt − DataTime) that agree within
 * {@link SLOW_CLOCK_LAG_SPREAD_MS} and change by at most half the time their DataTimes advance.
 *
 * A slow clock stamps every upload the same lag behind, however fast the station sends. A backlog
 * (old data resent after an outage, faster than measured) has lags that shrink by about the step
 * of its DataTimes, from packet to packet: 10, 9, 8 min old sent at once differ by a minute each;
 * and data 5 s apart resent at once differ by only 5 s — within the spread, but as much as their
 * DataTimes advance, which the second condition rejects. A resent packet (same DataTime) is not
 * new real-time data. Not told apart: a backlog resent at the pace it was measured, with no fresh
 * data between (a station that never catches up).
 *
 * @example
 * const at = (dataTime: number, lagMs: number) => ({ dataTime, receivedAt: dataTime + lagMs });
 * isSlowClock([at(0, 300_000), at(30_000, 301_000), at(60_000, 300_500)], 120_000); // true
 * isSlowClock([at(0, 600_000), at(60_000, 540_000), at(120_000, 480_000)], 120_000); // false: a backlog
 */
export function isSlowClock(uploads: readonly RealTimeUpload[], thresholdMs: number): boolean {
  const last = uploads.slice(-SLOW_CLOCK_UPLOADS);
  if (last.length < SLOW_CLOCK_UPLOADS) return false;
  const lags = last.map((u) => u.receivedAt - u.dataTime);
  if (lags.some((lag) => lag < thresholdMs)) return false;
  for (let i = 1; i < last.length; i++) {
    if ((last[i]?.dataTime ?? 0) <= (last[i - 1]?.dataTime ?? 0)) return false;
  }
  const spread = Math.max(...lags) - Math.min(...lags);
  const advance = (last.at(-1)?.dataTime ?? 0) - (last[0]?.dataTime ?? 0);
  return spread <= SLOW_CLOCK_LAG_SPREAD_MS && 2 * spread <= advance;
}

/**
 * The commands a station sends in a dialogue with the host, handled by the TCP listener instead of
 * being dead-lettered as "not a data upload": 1013 time-calibration request, 9011/9012 answers to
 * our 1012 (hj212.md §3).
 */
export const STATION_DIALOGUE_COMMANDS: readonly string[] = Object.freeze(["1013", "9011", "9012"]);

export interface Hj212ClockMetrics {
  /**
   * 1012 set-time commands sent, by `reason`: `request` (the station's 1013), `future` (ts.future)
   * or `slow` (its real-time data arrive behind by a constant lag).
   */
  readonly clockSets: Counter<"reason">;
  /** 9011 / 9012 answers of registered stations, by `cn` and `result` (the QnRtn / ExeRtn sent, or "none"). */
  readonly answers: Counter<"cn" | "result">;
  /** 1013 time-calibration requests of registered stations. */
  readonly requests: Counter;
}

/**
 * The clock-setting counters, in `registry` (reused when already there, as createIngestMetrics does).
 *
 * @example
 * const metrics = createHj212ClockMetrics(new Registry());
 */
export function createHj212ClockMetrics(registry: Registry = globalRegister): Hj212ClockMetrics {
  return {
    clockSets: registeredCounter(
      registry,
      "qingshan_hj212_clock_sets_total",
      "HJ 212 1012 set-time commands sent to stations, by reason (request: the station's 1013; future: its DataTime was ahead of the host clock; slow: its real-time data arrive behind by a constant lag)",
      ["reason"],
    ),
    answers: registeredCounter(
      registry,
      "qingshan_hj212_command_answers_total",
      "HJ 212 9011/9012 answers of registered stations to the host's commands, by CN and QnRtn/ExeRtn",
      ["cn", "result"],
    ),
    requests: registeredCounter(
      registry,
      "qingshan_hj212_time_requests_total",
      "HJ 212 1013 time-calibration requests of registered stations",
    ),
  };
}

export interface ClockSetterOptions {
  readonly setting: Hj212ClockSetting;
  readonly intervalMs: number;
  /** A clock is slow when its real-time data arrive at least this late, see {@link isSlowClock}. */
  readonly slowThresholdMs: number;
  /** The host clock (UTC ms): SystemTime and QN of the 1012. */
  readonly clock: () => number;
  readonly logger: Pick<Logger, "info" | "warn">;
  readonly metrics: Hj212ClockMetrics;
}

/** The last 1012 sent to a station. */
interface SentCommand {
  readonly qn: string;
  readonly at: number;
  readonly reason: "request" | "future" | "slow";
}

const REASON_TEXT: Record<SentCommand["reason"], string> = {
  request: "asked for by the station",
  future: "clock ahead",
  slow: "clock behind",
};

export interface ClockSetter {
  /**
   * A registered station's 1013 time-calibration request: the replies to write — the 9013
   * notification response when its Flag asks for one, then the 1012 (unless the setting is `off`).
   */
  timeRequested(packet: Hj212Packet, stationId: string): string;
  /**
   * After a registered station's data upload was handed on (and answered), `receivedAt` (host
   * clock) the time it arrived: the 1012 to write when it was rejected `ts.future`, or when it is
   * real-time data (2011) completing a run that shows a slow clock ({@link isSlowClock}), and the
   * station was not set within the interval; else "". `alone` (default true): it arrived alone,
   * not read with or behind other real-time uploads of its connection; one that did not (a
   * backlog sent at once, read as fast as it is handled, whose lags then look constant) is not
   * counted in the run.
   */
  uploadHandled(
    packet: Hj212Packet,
    stationId: string,
    rejections: readonly Rejection[],
    receivedAt: number,
    alone?: boolean,
  ): string;
  /** A registered station's 9011 / 9012: counted and logged (at warn when it is not a success). */
  answered(packet: Hj212Packet, stationId: string): void;
}

/**
 * 校时 over HJ 212 TCP (hj212.md §3, CN 1012/1013): answers a station's time-calibration request
 * and sets the clock of a station whose data arrive stamped in the future, or whose real-time data
 * arrive behind by a constant lag, rate-limited per MN. One old DataTime sets nothing: it is what a
 * station's backlog looks like (it resends what was not answered, even yesterday's), and a resent
 * packet keeps its QN, so QN does not tell the station's clock either. Only real-time data (2011,
 * sent as soon as measured) tell a slow clock, by a run of uploads ({@link isSlowClock}); minute
 * and hourly data (2051, 2061) are sent after their period and resent in backlogs, and tell none.
 *
 * @example
 * const clockSetter = createClockSetter({ setting: "auto", intervalMs: 600_000, slowThresholdMs: 120_000, clock: Date.now, logger, metrics: createHj212ClockMetrics(registry) });
 * socket.write(clockSetter.timeRequested(packet, "ld-aq-01"));
 */
export function createClockSetter(options: ClockSetterOptions): ClockSetter {
  const { logger, metrics } = options;
  const sent = new Map<string, SentCommand>();
  /** Per MN, its last real-time uploads (oldest first), since its last 1012. */
  const realTime = new Map<string, RealTimeUpload[]>();

  function setTime(
    packet: Hj212Packet,
    stationId: string,
    reason: SentCommand["reason"],
    why: string,
  ): string {
    const now = options.clock();
    const polId = reason === "request" ? packet.cp.other.PolId : undefined;
    const command = buildSetTimeCommand(
      {
        st: packet.st,
        mn: packet.mn,
        version: packet.flag.version,
        ...(packet.pw === undefined ? {} : { pw: packet.pw }),
      },
      now,
      polId,
    );
    const qn = /QN=(\d{17})/.exec(command)?.[1] ?? "";
    sent.set(packet.mn, { qn, at: now, reason });
    // Lags measured before this 1012 tell nothing of the clock it sets.
    realTime.delete(packet.mn);
    metrics.clockSets.inc({ reason });
    logger.info(
      {
        station: stationId,
        mn: packet.mn,
        qn,
        systemTime: formatDataTime(now),
        reason,
        ...(polId === undefined ? {} : { polId }),
      },
      `HJ 212 station ${stationId}: ${why}; sent 1012 set-time SystemTime=${formatDataTime(now)} (QN ${qn})`,
    );
    return command;
  }

  function timeRequested(packet: Hj212Packet, stationId: string): string {
    metrics.requests.inc();
    // hj212.md §3: a notification with A=1 is answered with the 9013 notification response.
    const notified = packet.flag.needAck && packet.qn !== undefined ? buildNotificationResponse(packet) : "";
    if (options.setting === "off") {
      logger.info(
        { station: stationId, mn: packet.mn, qn: packet.qn },
        `HJ 212 station ${stationId} asks for its time (1013); not set: hj212.clockSetting is off`,
      );
      return notified;
    }
    return notified + setTime(packet, stationId, "request", "asks for its time (1013)");
  }

  /** Whether a 1012 went to this MN within the interval (for any reason). */
  function setRecently(mn: string): boolean {
    const last = sent.get(mn);
    return last !== undefined && options.clock() - last.at < options.intervalMs;
  }

  function uploadHandled(
    packet: Hj212Packet,
    stationId: string,
    rejections: readonly Rejection[],
    receivedAt: number,
    alone = true,
  ): string {
    if (options.setting !== "auto") return "";
    if (rejections.some((r) => r.code === "ts.future")) {
      realTime.delete(packet.mn);
      return setRecently(packet.mn) ? "" : clockAhead(packet, stationId);
    }
    // hj212.md §3: 2011 is real-time data, sent as soon as measured. A split packet is one part of
    // a message (not one measurement).
    if (packet.cn !== "2011" || packet.flag.split || packet.dataTime === undefined) return "";
    // A burst's arrival times are set by how fast the connection is read, not by the station's clock.
    if (!alone) return "";
    const dataTime = parseDataTime(packet.dataTime);
    if (dataTime === undefined) return "";
    const previous = realTime.get(packet.mn) ?? [];
    const latest = previous.at(-1)?.dataTime ?? Number.NEGATIVE_INFINITY;
    // A resent packet (the DataTime of the last one) keeps the lag of its first arrival; a DataTime
    // before it (older data, a clock set back at the station) starts the run again.
    if (dataTime === latest) return "";
    const uploads =
      dataTime < latest
        ? [{ dataTime, receivedAt }]
        : [...previous, { dataTime, receivedAt }].slice(-SLOW_CLOCK_UPLOADS);
    realTime.set(packet.mn, uploads);
    if (!isSlowClock(uploads, options.slowThresholdMs) || setRecently(packet.mn)) return "";
    const lags = uploads.map((u) => Math.round((u.receivedAt - u.dataTime) / 1000));
    return setTime(
      packet,
      stationId,
      "slow",
      `clock behind: its last ${uploads.length} real-time uploads (2011, up to DataTime ${packet.dataTime}) arrived ${lags.join(", ")} s after their DataTime (stored at the station's time)`,
    );
  }

  function clockAhead(packet: Hj212Packet, stationId: string): string {
    const now = options.clock();
    const dataTime = packet.dataTime === undefined ? undefined : parseDataTime(packet.dataTime);
    const ahead = dataTime === undefined ? "" : ` ${Math.round((dataTime - now) / 1000)} s`;
    return setTime(
      packet,
      stationId,
      "future",
      `clock ahead: DataTime ${packet.dataTime ?? "?"} is${ahead} ahead of the host clock (its readings are dead-lettered ts.future)`,
    );
  }

  function answered(packet: Hj212Packet, stationId: string): void {
    const answer = commandAnswer(packet);
    if (answer === undefined) return;
    metrics.answers.inc({ cn: answer.cn, result: answer.value ?? "none" });
    const last = sent.get(packet.mn);
    const ours = last !== undefined && last.qn === packet.qn;
    const to = ours
      ? `our 1012 set-time command (QN ${last.qn}, ${REASON_TEXT[last.reason]})`
      : `a host command of QN ${packet.qn ?? "(none)"} this ingest did not send (or sent before it restarted)`;
    const result = `${answer.field}=${answer.value ?? "(missing)"}${answer.meaning === undefined ? "" : ` ${answer.meaning}`}`;
    const context = { station: stationId, mn: packet.mn, qn: packet.qn, cn: answer.cn, result: answer.value };
    if (answer.ok) {
      logger.info(context, `HJ 212 station ${stationId} answers ${answer.cn} ${result} to ${to}`);
    } else {
      logger.warn(
        context,
        `HJ 212 station ${stationId} answers ${answer.cn} ${result} to ${to}: ${ours ? "its clock was not set" : "not executed"}; check the station (its PW and MN as configured there, its log)`,
      );
    }
  }

  return { timeRequested, uploadHandled, answered };
}
