import { existsSync } from "node:fs";
import { mosquittoMissing, startPrivateMosquitto } from "@qingshan/testkit/mosquitto";

/** Test support: a private Mosquitto that requires a login, for the CLI's tests. */

export const MOSQUITTO_PUB = "/usr/bin/mosquitto_pub";
/** Whether Mosquitto and its tools are installed (tests that need them are skipped otherwise). */
export const mosquittoInstalled = mosquittoMissing({ login: true }) === "" && existsSync(MOSQUITTO_PUB);

/** The account the private Mosquitto admits (the password has the characters a URL would mangle). */
export const MOSQUITTO_USER = "qingshan-ingest";
export const MOSQUITTO_PASSWORD = "correct:horse@7f%3a";

/**
 * Starts a private Mosquitto on a free loopback port that admits only MOSQUITTO_USER with
 * MOSQUITTO_PASSWORD; its stop (by PID, removing its directory) is pushed onto `cleanups`.
 */
export async function startAuthenticatedMosquitto(
  cleanups: Array<() => Promise<void> | void>,
): Promise<{ url: string; port: number }> {
  const broker = await startPrivateMosquitto({
    login: { username: MOSQUITTO_USER, password: MOSQUITTO_PASSWORD },
  });
  cleanups.push(() => broker.stop());
  return { url: broker.url, port: broker.port };
}
