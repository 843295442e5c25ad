/**
 * What the HJ 212 TCP listener tests share: a listener on loopback handing to an in-process bus,
 * and a station's end of a connection that records the host's replies.
 */
import { connect, type Socket } from "node:net";
import { type Bus, createMemoryBus } from "@qingshan/bus";
import type { StationRegistry } from "@qingshan/domain";
import { type Hj212Packet, PacketStreamDecoder } from "@qingshan/hj212";
import { waitFor } from "@qingshan/testkit";
import type { Cleanups } from "@qingshan/testkit/cleanups";
import { type Logger, pino } from "pino";
import { Registry } from "prom-client";
import { createHj212TcpListener, type Hj212TcpOptions } from "../hj212-tcp.ts";
import { createIngestPipeline } from "../ingest-pipeline.ts";
import { createIngestMetrics } from "../metrics.ts";
import { type Collected, clock, collect, registry as fixtureRegistry } from "./fixtures.ts";

/** Options of {@link startHj212Listener}: the listener's own (but those it wires) and the rig's. */
export type Hj212ListenerRigOptions = Partial<
  Omit<Hj212TcpOptions, "port" | "host" | "pipeline" | "logger" | "metrics" | "metricsRegistry">
> & {
  /** Runs on the started bus before the listener starts (e.g. a durable subscriber to hold). */
  readonly prepare?: (bus: Bus) => Promise<void>;
  /** The stations the pipeline knows. Default the fixtures' two. */
  readonly registry?: StationRegistry;
  /** Default silent. */
  readonly logger?: Logger;
  /** The pipeline's clock (DataTime checks). Default the fixtures' NOW; the listener's is `clock`. */
  readonly pipelineClock?: () => number;
  /** Where the ingest and clock-setting metrics register. Default a new registry. */
  readonly metricsRegistry?: Registry;
};

/** A started listener: its port, what it handed on, a counter's value, and `stop` (once, also at cleanup). */
export interface Hj212ListenerRig {
  readonly port: number;
  readonly got: Collected;
  readonly metricsRegistry: Registry;
  /** The value of counter `name` with `labels` (0 when it has none), as a scrape reads it. */
  counter(name: string, labels?: Record<string, string>): Promise<number>;
  /** Stops the listener; a second call (the cleanup's) does nothing. */
  stop(): Promise<void>;
}

/**
 * An HJ 212 TCP listener on 127.0.0.1, port 0, with a pipeline (the fixtures' stations and NOW)
 * handing to a started memory bus; `got` collects what it publishes. Idle timeout 60 s, 16 connections,
 * drain 2 s, retry 10–100 ms unless `options` say otherwise. Stopped by steps pushed to `cleanups`.
 *
 * @example
 * const { port, got, counter } = await startHj212Listener(cleanups, { splitTimeoutMs: 300 });
 */
export async function startHj212Listener(
  cleanups: Cleanups,
  {
    prepare,
    registry = fixtureRegistry,
    logger = pino({ level: "silent" }),
    pipelineClock = clock,
    metricsRegistry = new Registry(),
    idleTimeoutMs = 60_000,
    maxConnections = 16,
    drainTimeoutMs = 2000,
    retry = { initialDelayMs: 10, maxDelayMs: 100 },
    ...options
  }: Hj212ListenerRigOptions = {},
): Promise<Hj212ListenerRig> {
  const bus = createMemoryBus();
  await bus.start();
  cleanups.push(() => bus.stop());
  const got = await collect(bus);
  await prepare?.(bus);
  const metrics = createIngestMetrics(metricsRegistry);
  const listener = createHj212TcpListener({
    port: 0,
    host: "127.0.0.1",
    idleTimeoutMs,
    maxConnections,
    drainTimeoutMs,
    pipeline: createIngestPipeline({ bus, registry, clock: pipelineClock, metrics }),
    logger,
    metrics,
    retry,
    metricsRegistry,
    ...options,
  });
  const port = await listener.start();
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= listener.stop();
    return stopped;
  };
  cleanups.push(stop);
  async function counter(name: string, labels: Record<string, string> = {}): Promise<number> {
    const metric = await metricsRegistry.getSingleMetric(name)?.get();
    const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
    return value?.value ?? 0;
  }
  return { port, got, metricsRegistry, counter, stop };
}

/** A station's end of an HJ 212 TCP connection. */
export interface TcpStation {
  readonly socket: Socket;
  /** Every byte the host sent so far, as UTF-8 text. */
  received(): string;
  /** Resolves when the host has closed its side. */
  readonly ended: Promise<void>;
}

/**
 * A station connected to the listener on `port` that records every byte the host sends back.
 * `ignoresFin`: like many data loggers, it does not close its side when the host closes its own
 * (a half-open connection). Destroyed by a step pushed to `cleanups`.
 *
 * @example
 * const station = await connectTcpStation(port, cleanups);
 * station.socket.write(PACKET_B);
 * await waitFor(() => station.received() === PACKET_B_RESPONSE, { what: "the 9014 reply" });
 */
export async function connectTcpStation(
  port: number,
  cleanups: Cleanups,
  { ignoresFin = false } = {},
): Promise<TcpStation> {
  const chunks: Buffer[] = [];
  const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: ignoresFin });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve) => socket.once("end", () => resolve()));
  cleanups.push(async () => {
    socket.destroy();
  });
  return { socket, received: () => Buffer.concat(chunks).toString("utf8"), ended };
}

/**
 * Writes `packets`, then `last`, a packet the host answers with `lastReply`: the packets of a
 * connection are handled in order, so once that reply is in, everything before it was. Resolves
 * with the packets the host sent meanwhile before that reply.
 *
 * @example
 * expect(await repliesBefore(station, [upload], PACKET_B, PACKET_B_RESPONSE)).toEqual([]);
 */
export async function repliesBefore(
  station: TcpStation,
  packets: readonly string[],
  last: string,
  lastReply: string,
): Promise<Hj212Packet[]> {
  const before = station.received().length;
  station.socket.write(packets.join("") + last);
  await waitFor(
    () => {
      const text = station.received();
      return text.length > before && text.slice(before).endsWith(lastReply);
    },
    { what: "the host's reply to the packet written last" },
  );
  const text = station.received();
  return new PacketStreamDecoder()
    .push(text.slice(before, text.length - lastReply.length))
    .map((item) => item.packet as Hj212Packet);
}
