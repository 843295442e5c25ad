import { createHmac } from "node:crypto";
import { eventInProgress } from "@qingshan/rules";
import type { WebhookSettings } from "../config.ts";
import type { NotifierLogger } from "../logger.ts";
import { type Notification, type NotifierChannel, PermanentDeliveryError } from "../notification.ts";

/**
 * DingTalk custom-robot signature ("加签"): Base64(HmacSHA256(key = secret,
 * data = `${timestamp}\n${secret}`)); sent URL-encoded as the `sign` query parameter together with
 * `timestamp` (epoch ms). DingTalk rejects a timestamp more than an hour off its clock.
 *
 * @example
 * dingtalkSign("SECxxxx", 1700000000000) // "b64…=" (URL-encode it in the query)
 */
export function dingtalkSign(secret: string, timestamp: number): string {
  return createHmac("sha256", secret).update(`${timestamp}\n${secret}`, "utf8").digest("base64");
}

/** The URL to POST to: for a DingTalk robot with a secret, `&timestamp=…&sign=…` appended. */
export function webhookUrl(settings: WebhookSettings, timestamp: number): string {
  if (settings.format !== "dingtalk" || settings.secret === "") return settings.url;
  const url = new URL(settings.url);
  url.searchParams.set("timestamp", String(timestamp));
  url.searchParams.set("sign", dingtalkSign(settings.secret, timestamp));
  return url.toString();
}

/**
 * Qingshan's own JSON payload: the rendered texts plus the raw AlertEvent; `inProgress: true` when
 * the event was evaluated before the end of its value's period (`dataTime` after `at`: a provisional
 * value, air-aqi.md §8 — an hour is labelled by its end).
 *
 * @example
 * jsonPayload(n) // { source: "qingshan", kind: "alert", id, title: { zh, en }, text, link, event: {...}, recipients: [...] }
 */
export function jsonPayload(n: Notification): Record<string, unknown> {
  return {
    source: "qingshan",
    kind: n.kind,
    id: n.id,
    title: n.title,
    text: n.text,
    ...(n.link !== undefined ? { link: n.link } : {}),
    ...(n.apiLink !== undefined ? { apiLink: n.apiLink } : {}),
    ...(n.event !== undefined ? { event: n.event } : {}),
    ...(n.event !== undefined && eventInProgress(n.event) ? { inProgress: true } : {}),
    tier: n.tier,
    recipients: n.recipients.map((p) => ({ id: p.id, name: p.name })),
  };
}

/**
 * DingTalk robot markdown message. Mentions need both `at.atMobiles`/`at.atUserIds` and "@…" in the text.
 *
 * @example
 * dingtalkPayload(n) // { msgtype: "markdown", markdown: { title, text }, at: { atMobiles: [...], atUserIds: [...], isAtAll: false } }
 */
export function dingtalkPayload(n: Notification): Record<string, unknown> {
  const atMobiles = n.recipients.flatMap((p) => (p.phone === undefined ? [] : [p.phone]));
  const atUserIds = n.recipients.flatMap((p) => (p.dingtalkUserId === undefined ? [] : [p.dingtalkUserId]));
  const mentions = [...atMobiles, ...atUserIds].map((m) => `@${m}`).join(" ");
  return {
    msgtype: "markdown",
    markdown: {
      title: n.title.zh,
      text: mentions === "" ? n.markdown : `${n.markdown}\n\n${mentions}`,
    },
    at: { atMobiles, atUserIds, isAtAll: false },
  };
}

// WeCom robot markdown content is limited to 4096 bytes (UTF-8).
const WECOM_MAX_BYTES = 4096;

/**
 * WeCom (企业微信) group-robot markdown message; people are mentioned as `<@userid>`.
 *
 * @example
 * wecomPayload(n) // { msgtype: "markdown", markdown: { content: "### 新告警：…" } }
 */
export function wecomPayload(n: Notification): Record<string, unknown> {
  const mentions = n.recipients
    .flatMap((p) => (p.wecomUserId === undefined ? [] : [`<@${p.wecomUserId}>`]))
    .join(" ");
  let content = mentions === "" ? n.markdown : `${n.markdown}\n${mentions}`;
  if (Buffer.byteLength(content, "utf8") > WECOM_MAX_BYTES) {
    const suffix = n.link === undefined ? "\n…" : `\n…\n[${n.link}](${n.link})`;
    let bytes = Buffer.from(content, "utf8").subarray(0, WECOM_MAX_BYTES - Buffer.byteLength(suffix, "utf8"));
    // Do not cut a multi-byte character in half.
    while (bytes.length > 0 && ((bytes[bytes.length - 1] ?? 0) & 0xc0) === 0x80)
      bytes = bytes.subarray(0, -1);
    if (bytes.length > 0 && ((bytes[bytes.length - 1] ?? 0) & 0xc0) === 0xc0) bytes = bytes.subarray(0, -1);
    content = `${bytes.toString("utf8")}${suffix}`;
  }
  return { msgtype: "markdown", markdown: { content } };
}

/**
 * Classifies a webhook response: 2xx, and for the DingTalk/WeCom robots a JSON body with errcode 0
 * (they answer HTTP 200 with a non-zero errcode on errors such as a bad signature). Returns the
 * error text, or undefined when accepted.
 */
export function webhookResponseError(
  format: WebhookSettings["format"],
  status: number,
  body: string,
): string | undefined {
  if (status < 200 || status >= 300) return `HTTP ${status}: ${body.slice(0, 200)}`;
  if (format === "json") return undefined;
  try {
    const parsed = JSON.parse(body) as { errcode?: unknown; errmsg?: unknown };
    if (parsed.errcode === undefined || parsed.errcode === 0) return undefined;
    return `errcode ${String(parsed.errcode)}: ${String(parsed.errmsg ?? "")}`;
  } catch {
    return `unexpected ${format} response: ${body.slice(0, 200)}`;
  }
}

/**
 * Whether an HTTP status refuses the request for good: a 4xx (RFC 9110 §15.5: the client's
 * request is at fault, repeating it unchanged fails alike: 400, 401, 403, 404, 410, 413, …) other
 * than 408 Request Timeout and 429 Too Many Requests, which ask to try again. 5xx and the rest are
 * temporary (retried).
 */
export function permanentHttpStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** The URL for logs and the failed record, its query values hidden (DingTalk's access_token, WeCom's key). */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    for (const key of [...u.searchParams.keys()]) u.searchParams.set(key, "***");
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url.replace(/\?.*$/, "");
  }
}

/**
 * A webhook channel: POSTs JSON (`format` json, dingtalk or wecom) with a timeout.
 *
 * @example
 * const ding = createWebhookChannel({ name: "duty-dingtalk", format: "dingtalk", url, secret: "SEC…", timeoutMs: 5000 }, { logger });
 */
export function createWebhookChannel(
  settings: WebhookSettings,
  deps: { readonly logger: NotifierLogger },
): NotifierChannel {
  const build =
    settings.format === "dingtalk"
      ? dingtalkPayload
      : settings.format === "wecom"
        ? wecomPayload
        : jsonPayload;
  return {
    name: settings.name,
    async send(notification: Notification) {
      // The signature uses the wall clock, not the injected one: DingTalk checks it against its own.
      const url = webhookUrl(settings, Date.now());
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify(build(notification)),
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      const body = await response.text();
      const error = webhookResponseError(settings.format, response.status, body);
      if (error !== undefined && permanentHttpStatus(response.status)) {
        const target = redactedUrl(settings.url);
        throw new PermanentDeliveryError(
          `webhook ${settings.name}: ${target} refused it for good: ${error}`,
          [{ target, reply: error }],
          `http_${response.status}`,
        );
      }
      if (error !== undefined) throw new Error(`webhook ${settings.name}: ${error}`);
      deps.logger.debug({ notification: notification.id, channel: settings.name }, "webhook delivered");
    },
  };
}
