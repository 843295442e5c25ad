import type { AlertEvent } from "@qingshan/domain";
import type { Person } from "./config.ts";

/**
 * What a channel sends: one alert event (or one scheduled summary), already rendered in Chinese
 * with English alongside. Plain data (it is spooled as JSON when stop() cannot deliver it).
 */
export interface Notification {
  /** The alert event id, or the summary id ("handover:…", "daily:…"). */
  readonly id: string;
  readonly kind: "alert" | "summary";
  /** The event, for kind "alert" (channels that carry the raw event: JSON webhook, MQTT). */
  readonly event?: AlertEvent;
  /** Highest roster tier addressed; recipients are everyone on duty at tiers 0..tier. */
  readonly tier: number;
  readonly recipients: readonly Person[];
  /** One-line title, e.g. an email subject. */
  readonly title: { readonly zh: string; readonly en: string };
  /** Plain text body, Chinese with English alongside. */
  readonly text: string;
  /** The same as markdown (DingTalk / WeCom robots). */
  readonly markdown: string;
  /** The dashboard's duty console, `${publicUrl}/dashboard/#alerts`, for alerts. */
  readonly link?: string;
  /** The alert as JSON, `${publicUrl}/api/v1/alerts/${alertId}`, for alerts. */
  readonly apiLink?: string;
}

/**
 * A delivery channel. `send` resolves once the channel accepted the notification and rejects on
 * failure (the notifier retries with backoff); it must not retry by itself.
 *
 * @example
 * const console: NotifierChannel = { name: "console", async send(n) { process.stdout.write(`${n.text}\n`); } };
 */
export interface NotifierChannel {
  readonly name: string;
  send(notification: Notification): Promise<void>;
  /** Releases connections; called by the notifier's stop() after draining. */
  close?(): Promise<void>;
}
