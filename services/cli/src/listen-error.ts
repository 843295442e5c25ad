import type { QingshanConfig } from "./config.ts";
import { CliError, causeChain } from "./errors.ts";

/** A listener Qingshan opens, with the settings of its address and port. */
interface Listener {
  readonly what: string;
  readonly host: string;
  readonly port: number;
  readonly hostSetting: string;
}

function listenersOf(config: QingshanConfig): Listener[] {
  return [
    {
      what: "HTTP",
      host: config.http.host,
      port: config.http.port,
      hostSetting: "http.host (QINGSHAN_HTTP_HOST)",
    },
    {
      what: "embedded MQTT broker",
      host: config.mqtt.embeddedHost,
      port: config.mqtt.embeddedPort,
      hostSetting: "mqtt.embeddedHost (in the configuration file)",
    },
    {
      what: "HJ 212 TCP",
      host: config.hj212.tcpHost,
      port: config.hj212.tcpPort,
      hostSetting: "hj212.tcpHost (in the configuration file)",
    },
  ];
}

/**
 * A listen that failed because its bind address is not one of this machine's (EADDRNOTAVAIL) as
 * a CliError naming the setting of that address, or undefined for any other error. A port in use
 * is named where it is listened on (services.ts listenHttp, ingest's listeners).
 *
 * @example
 * listenFailure(error, config)?.message;
 * // "HTTP host 10.99.99.99 is not an address of this machine: set http.host (QINGSHAN_HTTP_HOST) to one of its addresses, or 0.0.0.0 for all of them"
 */
export function listenFailure(error: unknown, config: QingshanConfig): CliError | undefined {
  const failed = causeChain(error).find(
    (e) =>
      (e as NodeJS.ErrnoException).code === "EADDRNOTAVAIL" &&
      (e as NodeJS.ErrnoException).syscall === "listen",
  ) as (NodeJS.ErrnoException & { address?: string; port?: number }) | undefined;
  if (failed === undefined) return undefined;
  const listeners = listenersOf(config).filter((l) => l.host === failed.address);
  const listener = listeners.find((l) => l.port === failed.port) ?? listeners[0];
  if (listener === undefined) return undefined;
  return new CliError(
    `${listener.what} host ${listener.host} is not an address of this machine: set ${listener.hostSetting} ` +
      "to one of its addresses, or 0.0.0.0 for all of them",
    { cause: error },
  );
}
