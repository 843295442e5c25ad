import { createServer } from "node:net";
import { Aedes } from "aedes";
import { listen } from "./listen.ts";

export interface EmbeddedBroker {
  /** The bound port (useful when 0 was asked for). */
  readonly port: number;
  /** A URL clients on this machine can connect to. */
  readonly url: string;
  /** Disconnects every client and stops listening. */
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  /** Default 1883; 0 picks a free port. */
  readonly port?: number;
  /** Default "0.0.0.0". */
  readonly host?: string;
}

/**
 * Starts an in-process MQTT broker (aedes over a plain TCP server) for the one-machine
 * deployment. It speaks MQTT 3.1.1 without shared subscriptions and keeps sessions in memory
 * only: what it queues is lost when the process exits (see README, "Zero-loss deployment").
 *
 * @example
 * const broker = await startEmbeddedBroker({ port: 1883 });
 * // … mqtt.connect(broker.url) …
 * await broker.close();
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const requested = options.port ?? 1883;
  const host = options.host ?? "0.0.0.0";
  const broker = await Aedes.createBroker();
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
    async close() {
      // Closing the broker first disconnects its clients, so the server's close can complete.
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
