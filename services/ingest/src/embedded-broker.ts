import { createServer } from "node:net";
import { Aedes, type Client } from "aedes";
import { listen } from "./listen.ts";

/** A PUBLISH a station sent to the embedded broker. */
export interface IncomingPublish {
  readonly topic: string;
  readonly payload: Buffer | string;
  readonly qos: 0 | 1 | 2;
}

/**
 * Takes a station's message in before the broker acknowledges it. Returns undefined for topics it
 * does not handle (the broker then acknowledges and forwards them, after the connection's earlier
 * messages), or a promise that resolves
 * once the message is durably handed on: only then is the PUBACK sent. A rejection disconnects the
 * station without a PUBACK, so it resends the message after reconnecting.
 */
export type BrokerIntake = (message: IncomingPublish) => Promise<void> | undefined;

export interface EmbeddedBroker {
  /** The bound port (useful when 0 was asked for). */
  readonly port: number;
  /** A URL clients on this machine can connect to. */
  readonly url: string;
  /** Publishes a message from the broker itself (HJ 212 replies); it does not pass the intake. */
  publish(topic: string, payload: string, qos?: 0 | 1): Promise<void>;
  /** Sends the acknowledgements of work the intake finished, disconnects every client, stops listening. */
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  /** Default 1883; 0 picks a free port. */
  readonly port?: number;
  /** Default "0.0.0.0". */
  readonly host?: string;
  /** Ingest hook run before each PUBLISH is acknowledged (see {@link BrokerIntake}). */
  readonly intake?: BrokerIntake;
}

const SYS_PREFIX = "$SYS/";

type AckCallback = (error?: Error | null) => void;

/** One message's place in its connection's acknowledgement line. */
interface PendingAck {
  readonly line: PendingAck[];
  readonly callback: AckCallback;
  /** "succeeded": work done, waiting for earlier messages; "handed": callback ran. */
  state: "pending" | "succeeded" | "handed";
}

/**
 * Calls back in the order the messages of one connection arrived, each once its own work is
 * done: aedes handles all PUBLISH packets of one socket read concurrently, while a client expects
 * its PUBACKs in the order it sent the messages (MQTT 3.1.1 §4.6). A failed work calls back with
 * its error at once (aedes then drops the connection) and no longer holds up later messages.
 * A line per connection rather than a promise chain: one `then` per message, no promise per link.
 */
function orderedAcks() {
  const lines = new WeakMap<Client, PendingAck[]>();
  /** Callbacks not yet run, and who waits for them to reach 0. */
  let outstanding = 0;
  let drained: Array<() => void> = [];

  function handOver(entry: PendingAck, error: Error | null): void {
    entry.state = "handed";
    outstanding--;
    try {
      entry.callback(error);
    } finally {
      if (outstanding === 0 && drained.length > 0) {
        const wake = drained;
        drained = [];
        for (const resolve of wake) resolve();
      }
    }
  }

  /** Hands over, in order, the successes at the head of the line. */
  function release(line: PendingAck[]): void {
    while (line.length > 0) {
      const head = line[0] as PendingAck;
      if (head.state === "pending") return;
      line.shift();
      if (head.state === "succeeded") handOver(head, null);
    }
  }

  function succeeded(entry: PendingAck): void {
    entry.state = "succeeded";
    release(entry.line);
  }

  function failed(entry: PendingAck, error: unknown): void {
    handOver(entry, error instanceof Error ? error : new Error(String(error)));
    release(entry.line);
  }

  function ack(client: Client, work: Promise<void>, callback: AckCallback): void {
    let line = lines.get(client);
    if (line === undefined) {
      line = [];
      lines.set(client, line);
    }
    const entry: PendingAck = { line, callback, state: "pending" };
    line.push(entry);
    outstanding++;
    work.then(
      () => succeeded(entry),
      (error: unknown) => failed(entry, error),
    );
  }

  /** Resolves once every acknowledgement has been handed to its socket (the intake must be stopped). */
  function flushed(): Promise<void> {
    if (outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => drained.push(resolve));
  }
  return { ack, flushed };
}

/**
 * Starts an in-process MQTT broker (aedes over a plain TCP server) for the one-machine
 * deployment. It speaks MQTT 3.1.1 without shared subscriptions and keeps sessions in memory
 * only: what it queues is lost when the process exits (see README, "Zero-loss deployment").
 * With an `intake`, station messages are stored before their PUBACK (so a crash loses nothing
 * a station was told was received).
 *
 * @example
 * const broker = await startEmbeddedBroker({ port: 1883 });
 * // … mqtt.connect(broker.url) …
 * await broker.close();
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const requested = options.port ?? 1883;
  const host = options.host ?? "0.0.0.0";
  const intake = options.intake;
  const acks = orderedAcks();
  const broker = await Aedes.createBroker({
    authorizePublish(client, packet, callback) {
      if (packet.topic.startsWith(SYS_PREFIX)) {
        callback(new Error(`${SYS_PREFIX} topics are reserved`));
        return;
      }
      const work =
        client === null || intake === undefined
          ? undefined
          : intake({ topic: packet.topic, payload: packet.payload, qos: packet.qos });
      if (client === null) {
        callback(null);
        return;
      }
      // Messages the intake does not handle queue behind the ones it does, to keep PUBACK order.
      acks.ack(client, work ?? Promise.resolve(), callback);
    },
  });
  const server = createServer(broker.handle);
  let port: number;
  try {
    port = await listen(
      server,
      requested,
      host,
      `MQTT port ${requested} is already in use: set mqtt.embeddedPort (QINGSHAN_MQTT_PORT) to a free port, or mqtt.url to use an existing broker`,
    );
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw error;
  }
  const connectHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return {
    port,
    url: `mqtt://${connectHost.includes(":") ? `[${connectHost}]` : connectHost}:${port}`,
    publish(topic, payload, qos = 1) {
      return new Promise((resolve, reject) =>
        broker.publish(
          { cmd: "publish", topic, payload: Buffer.from(payload), qos, retain: false, dup: false },
          (error) => (error ? reject(error) : resolve()),
        ),
      );
    },
    async close() {
      // PUBACKs of messages the intake finished go out before the connections close (the intake
      // must have been stopped: its pending work then settles).
      await acks.flushed();
      await new Promise((resolve) => setImmediate(resolve));
      // Closing the broker first disconnects its clients, so the server's close can complete.
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
