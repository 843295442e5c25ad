/**
 * What the e-mail tests share besides harness.ts: a store, a bus and a real SMTP server with
 * configs that mail through it, a notifier created but not started, and waits on the bus.
 */
import type { Bus } from "@qingshan/bus";
import type { DuckDbStore } from "@qingshan/store";
import { waitFor } from "@qingshan/testkit";
import type { TestSmtpServer } from "@qingshan/testkit/smtp";
import type { NotifierConfig } from "../config.ts";
import { createNotifier, type Notifier, type NotifierDeps } from "../notifier.ts";
import {
  baseConfig,
  type Cleanup,
  localSmtp,
  registry,
  silentLogger,
  startSmtp,
  startStoreAndBus,
} from "./harness.ts";

/** A test's e-mail settings besides the SMTP server's address. */
export interface MailSettings {
  readonly from?: string;
  readonly to?: string[];
  readonly timeoutMs?: number;
}

export interface MailRig {
  readonly dir: string;
  readonly store: DuckDbStore;
  readonly bus: Bus;
  readonly smtp: TestSmtpServer;
  /** baseConfig(dir, overrides), e-mailing through `smtp` with `mail`'s settings. */
  mailConfig(overrides?: Partial<NotifierConfig>, mail?: MailSettings): NotifierConfig;
}

/**
 * A temp dir, a DuckDB store, an in-process bus and a test SMTP server, all released by `cleanup`.
 *
 * @example
 * const { store, bus, smtp, mailConfig } = await startMailRig(cleanup);
 * await startNotifier(cleanup, mailConfig({ renotifyMinutes: 15 }, { timeoutMs: 5_000 }), { bus, store });
 */
export async function startMailRig(cleanup: Cleanup): Promise<MailRig> {
  const { dir, store, bus } = await startStoreAndBus(cleanup);
  const smtp = await startSmtp(cleanup);
  const mailConfig = (overrides: Partial<NotifierConfig> = {}, { from, ...email }: MailSettings = {}) =>
    baseConfig(dir, {
      ...overrides,
      email: { smtp: { ...localSmtp(smtp.port), ...(from === undefined ? {} : { from }) }, ...email },
    });
  return { dir, store, bus, smtp, mailConfig };
}

/**
 * A notifier on the harness registry with a silent logger, not started: the test starts and stops
 * it (startNotifier for one stopped by the cleanup).
 */
export function createTestNotifier(config: NotifierConfig, deps: Omit<NotifierDeps, "registry">): Notifier {
  return createNotifier(config, { registry, logger: silentLogger, ...deps });
}

/** Waits until every event on bus "alerts" has been handled. */
export async function alertsHandled(bus: Bus): Promise<void> {
  await waitFor(() => bus.depth().alerts === 0, { what: "the bus events handled" });
}

/** Which notification each e-mail carries (its X-Qingshan-Notification header). */
export const notificationIds = (mails: ReadonlyArray<{ headers: Map<string, unknown> }>): unknown[] =>
  mails.map((m) => m.headers.get("x-qingshan-notification"));
