/**
 * What the notifier records of deliveries that tests read back: the failed-notifications file and
 * the Prometheus text of its metrics.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** One line of notifier-failed.jsonl: a notification a channel refused for good, or nobody got. */
export interface FailedLine {
  channel: string;
  /** The dropped metric's reason: rejected, recipient_rejected, nobody_on_duty. */
  reason: string;
  /** The channel's cause: address_rejected, recipient_rejected, message_rejected, http_404, nobody_on_duty. */
  code: string;
  partial: boolean;
  notification: string;
  alertId?: string;
  rejected: Array<{ target: string; reply: string }>;
  recipients: Array<{ id: string; name: string; email?: string }>;
}

/**
 * The lines of notifier-failed.jsonl in `dir` (the spool file's directory, baseConfig's `dir`); none
 * while the file does not exist.
 *
 * @example
 * await waitFor(async () => (await failedRecord(dir)).length === 1, { what: "the refusal recorded" });
 */
export async function failedRecord(dir: string): Promise<FailedLine[]> {
  const text = await readFile(join(dir, "notifier-failed.jsonl"), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as FailedLine);
}

/**
 * The value of metric `name` with exactly the labels `labels` in a Prometheus text exposition.
 *
 * @example
 * sample(await metricsRegistry.metrics(), "qingshan_notifications_sent_total", 'channel="email"'); // 0
 */
export function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}
