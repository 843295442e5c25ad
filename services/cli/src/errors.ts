import { inspect } from "node:util";
import { StationRegistryError } from "@qingshan/domain";
import { ImportError } from "@qingshan/importer";
import { RulesError } from "@qingshan/rules";
import { StoreError } from "@qingshan/store";
import { ReadingsLogNotWritableError } from "@qingshan/writer";
import { ConfigError } from "./config.ts";

/**
 * A failure the user can fix from its message alone (a setting, a port, a service to start): the
 * CLI prints the message without a stack trace.
 */
export class CliError extends Error {
  override readonly name = "CliError";
}

/** System error codes of a setup problem (a port taken, a host not reachable), not of a bug. */
const SETUP_CODES = new Set([
  "EADDRINUSE",
  "EADDRNOTAVAIL",
  "EACCES",
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOENT",
]);

/** Store failures that come from the setup (server down, credentials, file held or unwritable). */
const SETUP_STORE_CODES = new Set([
  "store.config_invalid",
  "store.locked",
  "store.not_writable",
  "store.corrupt",
  "store.disk_full",
  "store.unavailable",
  "store.auth_failed",
  "store.database_missing",
]);

/** The errors along `error`'s cause chain, `error` first. */
export function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && e !== null && chain.length < 10; e = (e as Error).cause) {
    chain.push(e);
  }
  return chain;
}

/** The first system error code (`ECONNREFUSED`…) along the cause chain. */
export function systemCode(error: unknown): string | undefined {
  for (const e of causeChain(error)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && SETUP_CODES.has(code)) return code;
  }
  return undefined;
}

/** True for a failure of configuration or environment, whose message says what to change. */
export function isExpectedError(error: unknown): boolean {
  if (
    error instanceof CliError ||
    error instanceof ConfigError ||
    error instanceof ImportError ||
    error instanceof RulesError ||
    error instanceof StationRegistryError ||
    error instanceof ReadingsLogNotWritableError
  ) {
    return true;
  }
  if (error instanceof StoreError) return SETUP_STORE_CODES.has(error.code);
  return systemCode(error) !== undefined;
}

/**
 * What the CLI prints for a failed command: for an expected error its message (with the cause's
 * when it adds something), for anything else or with `debug` the full stack and causes.
 *
 * @example
 * describeFailure(new CliError("HTTP port 8080 is already in use: …"), false); // "qingshan: HTTP port 8080 …"
 */
export function describeFailure(error: unknown, debug: boolean): string {
  if (debug || !isExpectedError(error)) {
    return `qingshan: ${error instanceof Error ? inspect(error, { depth: 6 }) : String(error)}`;
  }
  const message = (error as Error).message;
  const cause = (error as Error).cause;
  const causeMessage = cause instanceof Error ? cause.message : undefined;
  const extra = causeMessage && !message.includes(causeMessage) ? ` (${causeMessage})` : "";
  return `qingshan: ${message}${extra}`;
}
