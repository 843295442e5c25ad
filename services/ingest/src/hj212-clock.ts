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
 * - `auto` (default): when the station asks (1013 time-calibration request) and when a data upload's
 *   DataTime is further ahead of the host clock than `limits.maxFutureSkewMs` (its readings are
 *   dead-lettered `ts.future`), at most once per {@link DEFAULT_CLOCK_SET_INTERVAL_MS} per MN;
 * - `on-request`: only when the station asks (1013);
 * - `off`: never (a 1013 is still answered 9013 when its Flag asks for it, counted and logged).
 */
export const HJ212_CLOCK_SETTINGS = ["auto", "on-request", "off"] as const;
export type Hj212ClockSetting = (typeof HJ212_CLOCK_SETTINGS)[number];

/** At most one 1012 per MN this often for a clock found fast (a station sends every few seconds). */
export const DEFAULT_CLOCK_SET_INTERVAL_MS = 10 * 60_000;

/**
 * The commands a station sends in a dialogue with the host, handled by the TCP listener instead of
 * being dead-lettered as "not a data upload": 1013 time-calibration request, 9011/9012 answers to
 * our 1012 (hj212.md §3).
 */
export const STATION_DIALOGUE_COMMANDS: readonly string[] = Object.freeze(["1013", "9011", "9012"]);

export interface Hj212ClockMetrics {
  /** 1012 set-time commands sent, by `reason`: `request` (the station's 1013) or `future` (ts.future). */
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
      "HJ 212 1012 set-time commands sent to stations, by reason (request: the station's 1013; future: its DataTime was ahead of the host clock)",
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
  /** The host clock (UTC ms): SystemTime and QN of the 1012. */
  readonly clock: () => number;
  readonly logger: Pick<Logger, "info" | "warn">;
  readonly metrics: Hj212ClockMetrics;
}

/** The last 1012 sent to a station. */
interface SentCommand {
  readonly qn: string;
  readonly at: number;
  readonly reason: "request" | "future";
}

export interface ClockSetter {
  /**
   * A registered station's 1013 time-calibration request: the replies to write — the 9013
   * notification response when its Flag asks for one, then the 1012 (unless the setting is `off`).
   */
  timeRequested(packet: Hj212Packet, stationId: string): string;
  /**
   * After a registered station's data upload was handed on (and answered): the 1012 to write when
   * it was rejected `ts.future` and the station was not set within the interval; else "".
   */
  uploadHandled(packet: Hj212Packet, stationId: string, rejections: readonly Rejection[]): string;
  /** A registered station's 9011 / 9012: counted and logged (at warn when it is not a success). */
  answered(packet: Hj212Packet, stationId: string): void;
}

/**
 * 校时 over HJ 212 TCP (hj212.md §3, CN 1012/1013): answers a station's time-calibration request
 * and sets the clock of a station whose data arrive stamped in the future, rate-limited per MN.
 * Only future DataTimes trigger it: an old DataTime is what a station's backlog looks like (it
 * resends what was not answered, even yesterday's), not a clock that is behind; and a resent packet
 * keeps its QN, so QN does not tell the station's clock either.
 *
 * @example
 * const clockSetter = createClockSetter({ setting: "auto", intervalMs: 600_000, clock: Date.now, logger, metrics: createHj212ClockMetrics(registry) });
 * socket.write(clockSetter.timeRequested(packet, "ld-aq-01"));
 */
export function createClockSetter(options: ClockSetterOptions): ClockSetter {
  const { logger, metrics } = options;
  const sent = new Map<string, SentCommand>();

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

  function uploadHandled(packet: Hj212Packet, stationId: string, rejections: readonly Rejection[]): string {
    if (options.setting !== "auto" || !rejections.some((r) => r.code === "ts.future")) return "";
    const last = sent.get(packet.mn);
    const now = options.clock();
    if (last !== undefined && now - last.at < options.intervalMs) return "";
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
      ? `our 1012 set-time command (QN ${last.qn}, ${last.reason === "request" ? "asked for by the station" : "clock ahead"})`
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
