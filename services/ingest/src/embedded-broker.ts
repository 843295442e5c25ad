import { createServer } from "node:net";
import { Aedes, type Client } from "aedes";
import { writeToStream } from "mqtt-packet";
import { ArrivalLine } from "./arrival-line.ts";
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
  /** QoS 1 messages per connection awaiting their PUBACK while the broker reads on (default 1000). */
  readonly readAheadPerConnection?: number;
}

const SYS_PREFIX = "$SYS/";

type AckCallback = (error?: Error | null) => void;

/**
 * By default a connection may have this many QoS 1 messages whose PUBACK waits for the intake while aedes
 * reads on. Past it, aedes stops reading the connection until the oldest are acknowledged (TCP
 * then holds the station back). MQTT 3.1.1 has no receive maximum; aedes bounds its inbound
 * QoS 2 window with the same number.
 */
const DEFAULT_READ_AHEAD = 1000;

/** One message's place in its connection's acknowledgement line. */
interface PendingAck {
  readonly line: ArrivalLine<PendingAck>;
  readonly client: Client;
  /** aedes' callback (it then answers the packet itself), or the id of the PUBACK we write. */
  readonly callback: AckCallback | undefined;
  readonly messageId: number | undefined;
  /** "succeeded": work done, waiting for earlier messages; "handed": answered. */
  state: "pending" | "succeeded" | "handed";
}

/**
 * Answers in the order the messages of one connection arrived, each once its own work is done:
 * a client expects its PUBACKs in the order it sent the messages (MQTT 3.1.1 §4.6), while the
 * work of one connection's messages runs concurrently. A QoS 1 message the intake takes is
 * answered with a PUBACK written here, so aedes reads the connection's next packets meanwhile
 * (aedes reads no further until every packet of a read has been handled); other messages hold
 * aedes' callback. A failed work answers with its error at once (aedes then drops the connection,
 * or, for a PUBACK of ours, the connection is closed) and no longer holds up later messages.
 * A line per connection rather than a promise chain: one `then` per message, no promise per link.
 */
function orderedAcks(readAheadPerConnection: number) {
  const lines = new WeakMap<Client, ArrivalLine<PendingAck>>();
  /** Messages not yet answered, and who waits for them to reach 0. */
  let outstanding = 0;
  let drained: Array<() => void> = [];

  function answer(entry: PendingAck, error: Error | null): void {
    const { client, callback, messageId } = entry;
    if (callback !== undefined) {
      callback(error);
    } else if (error !== null) {
      client.close();
    } else if (client.connected && messageId !== undefined) {
      writeToStream({ cmd: "puback", messageId }, client.conn);
    }
  }

  function handOver(entry: PendingAck, error: Error | null): void {
    entry.state = "handed";
    outstanding--;
    try {
      answer(entry, error);
    } finally {
      if (outstanding === 0 && drained.length > 0) {
        const wake = drained;
        drained = [];
        for (const resolve of wake) resolve();
      }
    }
  }

  /** Hands over, in order, the successes at the head of the line. */
  function release(line: ArrivalLine<PendingAck>): void {
    line.drain(
      (entry) => entry.state === "pending",
      (entry) => {
        if (entry.state === "succeeded") handOver(entry, null);
      },
    );
  }

  function succeeded(entry: PendingAck): void {
    entry.state = "succeeded";
    release(entry.line);
  }

  function failed(entry: PendingAck, error: unknown): void {
    handOver(entry, error instanceof Error ? error : new Error(String(error)));
    release(entry.line);
  }

  function enqueue(
    client: Client,
    work: Promise<void>,
    callback: AckCallback | undefined,
    messageId: number | undefined,
  ): void {
    let line = lines.get(client);
    if (line === undefined) {
      line = new ArrivalLine<PendingAck>();
      lines.set(client, line);
    }
    const entry: PendingAck = { line, client, callback, messageId, state: "pending" };
    line.push(entry);
    outstanding++;
    work.then(
      () => succeeded(entry),
      (error: unknown) => failed(entry, error),
    );
  }

  /**
   * Takes the message into the connection's line. Returns true when this line writes the PUBACK
   * itself (the caller then lets aedes handle the packet as QoS 0 at once); false when aedes'
   * callback is held until the message's turn.
   */
  function ack(
    client: Client,
    packet: { qos: number; messageId?: number },
    work: Promise<void> | undefined,
    callback: AckCallback,
  ): boolean {
    const line = lines.get(client);
    const readAhead =
      work !== undefined &&
      packet.qos === 1 &&
      packet.messageId !== undefined &&
      (line === undefined || line.length < readAheadPerConnection);
    if (readAhead) enqueue(client, work, undefined, packet.messageId);
    // Messages the intake does not handle queue behind the ones it does, to keep PUBACK order.
    else enqueue(client, work ?? Promise.resolve(), callback, undefined);
    return readAhead;
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
  const acks = orderedAcks(options.readAheadPerConnection ?? DEFAULT_READ_AHEAD);
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
      if (acks.ack(client, packet, work, callback)) {
        // Its PUBACK comes from the ack line once stored; as QoS 0, aedes forwards it to any
        // subscriber (at QoS 0) without acknowledging it and reads the connection on.
        packet.qos = 0;
        callback(null);
      }
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
