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
  /**
   * E-mail only, set on a retry: the addresses still to deliver to (the server took the message
   * for the others and deferred these with a 4xx). Absent: every recipient.
   */
  readonly addresses?: readonly string[];
  /**
   * When (UTC ms) `recipients` were looked up in the roster: the time a "nobody on duty" record
   * names. Absent on notifications spooled before it existed (the event's time is used).
   */
  readonly dutyAt?: number;
}

/** A recipient a channel refused for good, with the server's reply. */
export interface Rejection {
  /** The address (e-mail) or URL refused. */
  readonly target: string;
  /** The server's reply, e.g. "550 5.1.1 <x@y>: user unknown" or "HTTP 404: …". */
  readonly reply: string;
}

/**
 * What `send` may report besides plain acceptance: the channel delivered to some recipients only.
 * `rejected`: refused for good (not retried; recorded as failed). `retry`: the notification narrowed
 * to the recipients refused for now, to be retried like a failed delivery.
 */
export interface SendResult {
  readonly rejected?: readonly Rejection[];
  readonly retry?: Notification;
  /**
   * Delivered, but not to whom it was for: e.g. e-mail sent to `email.to` only because nobody on
   * duty has an address (`code` "nobody_on_duty"). Recorded as failed like `rejected`.
   */
  readonly missed?: { readonly code: string; readonly rejected: readonly Rejection[] };
}

/**
 * A delivery failure retrying cannot fix (an SMTP 5xx about every recipient's address or to the
 * message, a webhook's 4xx other than 408/429): the queue moves the notification to the failed
 * record and goes on with the next one. Any other error a channel throws is taken as temporary and
 * retried (so is an SMTP 5xx to every recipient by the server's policy, e.g. relay access denied).
 */
export class PermanentDeliveryError extends Error {
  override readonly name = "PermanentDeliveryError";
  constructor(
    message: string,
    /** What was refused, each with the server's reply (every address of the e-mail, the URL). */
    readonly rejected: readonly Rejection[],
    /** A short, stable cause for logs and the record: "address_rejected", "message_rejected", "http_404", … */
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * A refusal of this message's every recipient that is not about their addresses (e.g. SMTP
 * `554 5.7.1 Relay access denied` to each RCPT TO): retried like a channel failure and never
 * dropped for it, but the channel took the connection, so it may be about this message only. A
 * sequential queue holds such a message aside (spooled, retried first on every later delivery and
 * with backoff) and goes on with the next ones instead of waiting behind it.
 */
export class HeldRefusal extends Error {
  override readonly name = "HeldRefusal";
}

/**
 * A delivery channel. `send` resolves once the channel accepted the notification (a
 * {@link SendResult} when only for some recipients) and rejects on failure: with a
 * {@link PermanentDeliveryError} when retrying cannot help, else the notifier retries with
 * backoff. It must not retry by itself.
 *
 * @example
 * const console: NotifierChannel = { name: "console", async send(n) { process.stdout.write(`${n.text}\n`); } };
 */
export interface NotifierChannel {
  readonly name: string;
  // biome-ignore lint/suspicious/noConfusingVoidType: a channel that reports nothing is written `async send(n) { … }` (Promise<void>)
  send(notification: Notification): Promise<void | SendResult>;
  /** Releases connections; called by the notifier's stop() after draining. */
  close?(): Promise<void>;
}
