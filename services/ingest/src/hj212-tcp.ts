import { createServer, type Socket } from "node:net";
import {
  buildRequestResponse,
  type Hj212Packet,
  PacketStreamDecoder,
  type StreamItem,
} from "@qingshan/hj212";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import {
  DeliveryAbortedError,
  deliverWithRetry,
  type RetryPolicy,
  settleWithin,
} from "./deliver-with-retry.ts";
import {
  createClockSetter,
  createHj212ClockMetrics,
  DEFAULT_CLOCK_SET_INTERVAL_MS,
  DEFAULT_SLOW_CLOCK_THRESHOLD_MS,
  type Hj212ClockSetting,
  STATION_DIALOGUE_COMMANDS,
} from "./hj212-clock.ts";
import { createSplitMessages, DEFAULT_SPLIT_TIMEOUT_MS } from "./hj212-split.ts";
import type { DecodedInput, IngestPipeline } from "./ingest-pipeline.ts";
import { listen } from "./listen.ts";
import type { IngestMetrics } from "./metrics.ts";

export interface Hj212TcpOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host: string;
  /** Close a connection without traffic for this long; 0 never. */
  readonly idleTimeoutMs: number;
  readonly maxConnections: number;
  readonly pipeline: IngestPipeline;
  readonly logger: Logger;
  readonly metrics: IngestMetrics;
  readonly retry: RetryPolicy;
  /** How long `stop` lets packets already received retry a failing bus before giving up on them. */
  readonly drainTimeoutMs: number;
  /**
   * Close a connection that sent more than this many bytes since its last whole packet without
   * one (garbage, broken frames). Default {@link MAX_UNFRAMED_BYTES}.
   */
  readonly maxUnframedBytes?: number;
  /**
   * hj212.splitTimeoutMs: the packets of a split message (Flag D = 1) received are dead-lettered
   * this long after the first if the others did not arrive. Default {@link DEFAULT_SPLIT_TIMEOUT_MS}.
   */
  readonly splitTimeoutMs?: number;
  /** hj212.maxPendingSplitMessages / hj212.maxPendingSplitBytes (defaults in hj212-split.ts): see there. */
  readonly maxPendingSplitMessages?: number;
  readonly maxPendingSplitBytes?: number;
  /** hj212.clockSetting (default "auto"): when a station's clock is set with 1012, see hj212-clock.ts. */
  readonly clockSetting?: Hj212ClockSetting;
  /** At most one 1012 per MN this often for a clock found ahead or behind. Default {@link DEFAULT_CLOCK_SET_INTERVAL_MS}. */
  readonly clockSetIntervalMs?: number;
  /**
   * hj212.slowClockThresholdMs: with clockSetting "auto", a station whose real-time data (2011)
   * arrive this late, by a constant lag, gets a 1012 (hj212-clock.ts isSlowClock). Default
   * {@link DEFAULT_SLOW_CLOCK_THRESHOLD_MS}.
   */
  readonly slowClockThresholdMs?: number;
  /** The host clock (UTC ms) of a 1012's SystemTime and QN and of a packet's arrival. Default Date.now. */
  readonly clock?: () => number;
  /** Where the clock-setting counters register. Default the global prom-client register. */
  readonly metricsRegistry?: Registry;
}

/** Bytes without an HJ 212 packet after which a connection is closed (~63 packets of the maximum 1036 bytes). */
export const MAX_UNFRAMED_BYTES = 65_536;

export interface Hj212TcpListener {
  /** Listens; resolves with the bound port. A port in use rejects with an error naming hj212.tcpPort. */
  start(): Promise<number>;
  /** Stops accepting, finishes packets already received (answering them), then closes connections. */
  stop(): Promise<void>;
}

/**
 * Ends a connection: sends what is written (the last replies) and a FIN, then destroys it once that
 * is flushed or after `flushMs`, without waiting for the station to close its side.
 */
function closeConnection(socket: Socket, flushMs: number): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, flushMs);
    socket.once("close", done);
    socket.end(done);
  });
}

/**
 * The registered station of a station-dialogue packet (1013, 9011, 9012) the pipeline decoded: it
 * rejected it only as "not a data upload" (`hj212.field` at `CN`, packages/hj212 packetToReadings).
 * Undefined for anything else (an unknown MN, a PW or MN mismatch): that stays a dead letter.
 */
function dialogueStation(decoded: DecodedInput): string | undefined {
  const [letter, ...more] = decoded.deadLetters;
  if (letter === undefined || more.length > 0 || decoded.readings.length > 0) return undefined;
  return letter.code === "hj212.field" && letter.path === "CN" ? letter.stationId : undefined;
}

/**
 * The registered station of a data upload that passed the station checks (MN, PW): the station of
 * its readings or of a dead letter about its data. Undefined for anything else: a packet failing
 * a station or packet check (wrong PW or MN, unregistered MN, DataTime missing: `hj212.field`,
 * `station.unknown`) sets no clock.
 */
function uploadStation(decoded: DecodedInput): string | undefined {
  const reading = decoded.readings[0];
  if (reading !== undefined) return reading.stationId;
  const stationCheck = decoded.deadLetters.some(
    // A missing QN (path QN) only left the upload unanswered: its data still tell the clock.
    (d) => (d.code === "hj212.field" && d.path !== "QN") || d.code === "station.unknown",
  );
  if (stationCheck) return undefined;
  return decoded.deadLetters.find((d) => d.stationId !== undefined)?.stationId;
}

/** hj212.md §3: real-time data, sent as soon as measured (the uploads that tell a slow clock). */
const REAL_TIME_CN = "2011";

/** Packets queued per connection before reading pauses (back-pressure on the station). */
const MAX_QUEUED_PER_CONNECTION = 64;

/**
 * HJ 212-2017 over TCP, as stations send it: a byte stream of packets (hj212.md §8). Packets of one
 * connection are handled in order; each packet's readings and dead letters are handed on to the
 * bus before its reply (`replyFor`: a 9014 to a data upload with A=1; hj212.md §3, §8.3) is
 * written back. A packet that fails framing, CRC or field checks is dead-lettered and never
 * answered. Garbage is one dead letter per run; a connection sending more than `maxUnframedBytes`
 * without a packet is closed. `stop` and the idle timeout close connections themselves, after
 * dead-lettering what they hold, without waiting for stations (which keep them open) to hang up.
 *
 * @example
 * const tcp = createHj212TcpListener({ port: 9212, host: "0.0.0.0", idleTimeoutMs: 900_000, maxConnections: 2048, pipeline, logger, metrics, retry });
 * const port = await tcp.start();
 */
export function createHj212TcpListener(options: Hj212TcpOptions): Hj212TcpListener {
  const { pipeline, logger, metrics } = options;
  const stopping = new AbortController();
  let closing = false;
  const connections = new Map<Socket, { idle: () => Promise<void>; flush: () => void }>();
  const maxUnframed = options.maxUnframedBytes ?? MAX_UNFRAMED_BYTES;
  const clock = options.clock ?? Date.now;
  const clockSetter = createClockSetter({
    setting: options.clockSetting ?? "auto",
    intervalMs: options.clockSetIntervalMs ?? DEFAULT_CLOCK_SET_INTERVAL_MS,
    slowThresholdMs: options.slowClockThresholdMs ?? DEFAULT_SLOW_CLOCK_THRESHOLD_MS,
    clock,
    logger,
    metrics: createHj212ClockMetrics(options.metricsRegistry),
  });
  // allowHalfOpen: a station may send its last packet and half-close; we still answer it.
  const server = createServer({ allowHalfOpen: true }, accept);
  server.maxConnections = options.maxConnections;
  // hj212.md §8 rule 4: split messages are reassembled by (MN, QN) across connections (a station
  // may reconnect between two packets); the whole message is answered on the connection that
  // completes it. Parts are held in memory unanswered: a station that gets no 9014 resends.
  const splits = createSplitMessages({
    pipeline,
    settings: options,
    logger,
    deliver: (decoded) =>
      deliverWithRetry(pipeline, decoded, {
        signal: stopping.signal,
        policy: options.retry,
        logger,
        metrics,
      }),
  });

  function accept(socket: Socket): void {
    const origin = `${socket.remoteAddress ?? "unknown"}:${socket.remotePort ?? 0}`;
    const log = logger.child({ peer: origin });
    const decoder = new PacketStreamDecoder();
    let queue: Promise<void> = Promise.resolve();
    let queued = 0;
    /** Real-time uploads (2011) read and not yet handled. */
    let queuedRealTime = 0;
    /** Set when the connection is being closed for sending no packets: nothing more is read. */
    let dropped = false;

    /**
     * `receivedAt`: when the bytes completing the packet were read (host clock), before any queueing.
     * `alone`: no other real-time upload (2011) was read with it or waited ahead of it on the
     * connection — a backlog sent at once never is, since reading is paced by handling.
     */
    async function handle(item: StreamItem, receivedAt: number, alone: boolean): Promise<void> {
      const packet = item.packet;
      let taken: { decoded: DecodedInput; handedOn: (error?: unknown) => void };
      if (packet !== undefined && !packet.flag.split && STATION_DIALOGUE_COMMANDS.includes(packet.cn)) {
        const decoded = pipeline.decodeHj212Item(item, { source: "hj212-tcp", origin });
        const stationId = dialogueStation(decoded);
        if (stationId !== undefined) {
          answerDialogue(packet, stationId);
          return;
        }
        // Not a registered station's dialogue (unknown MN, wrong PW): its dead letter, as decoded.
        taken = { decoded, handedOn: () => {} };
      } else {
        // A part of a split message adds nothing to `decoded` until its message is complete (then
        // `decoded` is the whole message and its reply): the connection's queue does not wait for it.
        taken = splits.decodeItem(item, { source: "hj212-tcp", origin });
      }
      const { decoded, handedOn } = taken;
      metrics.counts.inFlight("hj212-tcp", 1);
      try {
        const result = await deliverWithRetry(pipeline, decoded, {
          signal: stopping.signal,
          policy: options.retry,
          logger: log,
          metrics,
        });
        handedOn();
        // hj212.md §8.3: a split message is answered (one 9014, its QN) once all its packets
        // passed the checks and the whole message was handed on, never packet by packet. A clock
        // found ahead (ts.future) or behind is set after that answer: the 9014 tells the station
        // this upload was taken (its readings are stored or dead letters; resent, they would be
        // stamped the same).
        const stationId = uploadStation(decoded);
        const setTime =
          packet === undefined || stationId === undefined
            ? ""
            : clockSetter.uploadHandled(packet, stationId, result.rejections, receivedAt, alone);
        const reply = (result.response ?? "") + setTime + wrongPasswordAnswer(packet, decoded);
        if (reply !== "" && socket.writable) socket.write(reply);
      } catch (error) {
        handedOn(error);
        throw error;
      } finally {
        metrics.counts.inFlight("hj212-tcp", -1);
      }
    }

    /**
     * A registered station's 1013 time-calibration request or 9011/9012 answer (hj212.md §3): part
     * of a dialogue with the host, not input to store, so neither published nor dead-lettered
     * (counted in messages_total by the decode, and in the clock-setting counters).
     */
    function answerDialogue(packet: Hj212Packet, stationId: string): void {
      if (packet.cn === "1013") {
        const reply = clockSetter.timeRequested(packet, stationId);
        if (reply !== "" && socket.writable) socket.write(reply);
      } else {
        clockSetter.answered(packet, stationId);
      }
    }

    /**
     * hj212.md §3: QnRtn 3 (wrong PW) answers a station's request (a 1013 time-calibration request
     * whose Flag asks for an answer) that failed the station's `hj212.pw`. A data upload with a
     * wrong PW gets no answer at all (replyFor): no 9014, so the station keeps it and resends it —
     * once the PW is fixed at either end it is stored; and no 9011, which answers commands, not
     * uploads, and which a station waiting for its 9014 might take, by its QN, as the acknowledgement.
     */
    function wrongPasswordAnswer(packet: Hj212Packet | undefined, decoded: DecodedInput): string {
      if (packet?.cn !== "1013" || !packet.flag.needAck || packet.qn === undefined) return "";
      const refused = decoded.deadLetters.some((d) => d.code === "hj212.field" && d.path === "PW");
      return refused ? buildRequestResponse(packet, 3) : "";
    }

    function enqueue(items: readonly StreamItem[]): void {
      // Stamped here, as the bytes are read: the wait behind earlier packets of the connection (a
      // slow bus) must not count as lag of the station's clock.
      const receivedAt = clock();
      // A real-time upload read while another one waits, or with another one, is part of a burst (a
      // backlog): its arrival is paced by how fast the connection's packets are handled, not by the
      // station's clock, so it does not count towards a slow clock (isSlowClock).
      let realTimeRead = 0;
      for (const item of items) if (item.packet?.cn === REAL_TIME_CN) realTimeRead++;
      const alone = realTimeRead === 1 && queuedRealTime === 0;
      for (const item of items) {
        queued++;
        const realTime = item.packet?.cn === REAL_TIME_CN;
        if (realTime) queuedRealTime++;
        queue = queue
          .then(() => handle(item, receivedAt, alone))
          .catch((error: unknown) => {
            if (!(error instanceof DeliveryAbortedError)) {
              log.error({ err: error }, "HJ 212 packet not handled; not answered");
            }
          })
          .finally(() => {
            queued--;
            if (realTime) queuedRealTime--;
            if (queued < MAX_QUEUED_PER_CONNECTION / 4 && socket.isPaused() && !closing && !dropped) {
              socket.resume();
            }
          });
      }
      if (queued >= MAX_QUEUED_PER_CONNECTION) socket.pause();
    }

    // Before the platform closes the connection, what it holds is reported: the garbage skipped so
    // far (one dead letter per run) and a packet only partly received (missing-tail).
    const flush = () => enqueue(decoder.end());
    connections.set(socket, { idle: () => queue, flush });
    socket.on("data", (chunk: Buffer) => {
      if (closing || dropped) return;
      enqueue(decoder.push(chunk));
      if (decoder.unframedBytes > maxUnframed) {
        // A peer that sends only garbage (not a station, or a misconfigured one) is reported once
        // and disconnected instead of filling the dead letters; a station reconnects and resends.
        dropped = true;
        socket.pause();
        log.warn({ bytes: decoder.unframedBytes }, "HJ 212 connection sends no packets; closing");
        enqueue(
          decoder.flushSkipped(
            `connection closed after more than ${maxUnframed} bytes without an HJ 212 packet`,
          ),
        );
        void queue.then(() => closeConnection(socket, 5000));
      }
    });
    socket.on("end", () => {
      if (dropped) return;
      enqueue(decoder.end());
      void queue.then(() => socket.end());
    });
    socket.on("error", (error) => log.warn({ err: error }, "HJ 212 connection error"));
    socket.on("close", () => {
      connections.delete(socket);
      // A connection reset (RST, a modem dropping the link, ECONNRESET/ETIMEDOUT) closes without
      // "end": what the decoder holds (a packet cut short, a run of garbage) is reported as on a
      // FIN, not dropped. After "end", a flush or a drop the decoder is empty and this adds nothing.
      if (!dropped) enqueue(decoder.end());
    });
    if (options.idleTimeoutMs > 0) {
      socket.setTimeout(options.idleTimeoutMs, () => {
        if (queued === 0) {
          log.info("HJ 212 connection idle; closing");
          dropped = true;
          flush();
          void queue.then(() => closeConnection(socket, 5000));
        }
      });
    }
    log.debug("HJ 212 station connected");
  }

  async function start(): Promise<number> {
    const port = await listen(
      server,
      options.port,
      options.host,
      `HJ 212 TCP port ${options.port} is already in use: set hj212.tcpPort (QINGSHAN_HJ212_PORT) to a free port, or 0 to disable the listener`,
    );
    logger.info({ port, host: options.host }, "HJ 212 TCP listener started");
    return port;
  }

  async function stop(): Promise<void> {
    closing = true;
    const closed = server.listening
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : Promise.resolve();
    // Packets already received are finished (and answered) first; nothing more is read. A bus
    // that stays down past the drain timeout leaves them unanswered: the stations resend them.
    const sockets = [...connections.keys()];
    for (const socket of sockets) {
      socket.pause();
      connections.get(socket)?.flush();
    }
    const started = Date.now();
    // Then the split messages still incomplete are dead-lettered (their stations got no 9014).
    const drained = await settleWithin(
      Promise.all(sockets.map((socket) => connections.get(socket)?.idle())).then(() => splits.stop()),
      options.drainTimeoutMs,
    );
    stopping.abort();
    if (!drained) logger.warn("HJ 212 drain timed out; packets still being handed on are not answered");
    // Stations keep their connection open between uploads, and a half-open server socket would wait
    // for each peer to close: every connection is closed here, after its replies were flushed (at
    // most for what is left of the drain timeout). A packet only partly received is not answered;
    // its station resends it.
    const flushMs = drained ? Math.max(options.drainTimeoutMs - (Date.now() - started), 0) : 0;
    await Promise.all(sockets.map((socket) => closeConnection(socket, flushMs)));
    await closed;
  }

  return { start, stop };
}
