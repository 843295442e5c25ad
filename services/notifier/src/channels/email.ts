import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import nodemailer from "nodemailer";
import type { z } from "zod";
import type { emailSchema } from "../config.ts";
import type { NotifierLogger } from "../logger.ts";
import {
  HeldRefusal,
  type Notification,
  type NotifierChannel,
  PermanentDeliveryError,
  type Rejection,
  type SendResult,
} from "../notification.ts";

export type EmailSettings = z.output<typeof emailSchema>;

/**
 * The email channel (name "email"). With `smtp.host` set it sends through that SMTP server
 * (nodemailer); without (the embedded default) it writes each message as an .eml file into
 * `outboxDir` and logs it. Recipients: the roster people on duty that have an email, plus `to`.
 * When nobody on duty has an address (a gap in the roster) the notification reached no duty
 * officer: reported as missed ("nobody_on_duty", in the failed record), and refused for good when
 * there is no `to` address either.
 *
 * Threading: every e-mail about one alert is one thread. The raised e-mail's Message-ID is the
 * alert's thread id ({@link alertThreadId}); every other e-mail's comes from its notification id
 * ({@link notificationMessageId}), and an alert's follow-ups carry `In-Reply-To` and `References`
 * pointing at the thread id. All are derived, not remembered, so they survive restarts and retries.
 *
 * @example
 * const email = createEmailChannel(settings.email, { logger });
 * await email.send(notification); // SMTP, or ./data/outbox/20261128T100000-a1_raised.eml
 */
export function createEmailChannel(
  settings: EmailSettings,
  deps: { readonly logger: NotifierLogger },
): NotifierChannel {
  const { smtp } = settings;
  const domain = messageIdDomain(smtp.from);
  const outbox = smtp.host === "";
  const transport = outbox
    ? nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "windows" })
    : nodemailer.createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        ...(smtp.user !== "" ? { auth: { user: smtp.user, pass: smtp.pass } } : {}),
        tls: { rejectUnauthorized: smtp.rejectUnauthorized },
        connectionTimeout: settings.timeoutMs,
        greetingTimeout: settings.timeoutMs,
        socketTimeout: settings.timeoutMs,
      });

  return {
    name: "email",
    async send(notification: Notification) {
      const duty = notification.recipients.flatMap((p) => (p.email === undefined ? [] : [p.email]));
      // Nobody on duty to e-mail (a roster gap, or no address): not delivered to whom it is for,
      // whether or not the copy addresses get it. A retry to deferred addresses was checked before.
      const missed =
        notification.addresses === undefined && duty.length === 0 ? nobodyOnDuty(notification) : undefined;
      const to: string[] =
        notification.addresses !== undefined
          ? [...notification.addresses]
          : [...new Set([...duty, ...settings.to])];
      if (to.length === 0)
        throw new PermanentDeliveryError(
          `email: ${missed?.reply ?? "no recipient"}; no address to send to (email.to is empty)`,
          missed === undefined ? [] : [missed],
          "nobody_on_duty",
        );
      const message = {
        from: smtp.from,
        to,
        subject: `${settings.subjectPrefix} ${notification.title.zh} | ${notification.title.en}`.trim(),
        text: notification.text,
        headers: { "X-Qingshan-Notification": notification.id },
        ...threadHeaders(notification, domain),
      };
      let info: { message?: unknown; messageId?: string; accepted?: unknown; rejectedErrors?: unknown };
      try {
        info = await transport.sendMail(message);
      } catch (error) {
        const policy = policyRefusal(error, to);
        if (policy !== undefined)
          throw new HeldRefusal(
            `email: the server refused every recipient: ${policy.map((r) => `${r.target} (${r.reply})`).join("; ")}; ` +
              "taken as its policy (relay access, sender or login), the same for every message: held and retried",
            { cause: error },
          );
        const refused = classifySmtpError(error, to);
        if (refused === undefined) throw error;
        if (refused.deferred.length === 0)
          throw new PermanentDeliveryError(
            `email: refused for good: ${refused.rejected.map((r) => `${r.target} (${r.reply})`).join("; ")}`,
            refused.rejected,
            refused.code === "recipient_rejected" ? "address_rejected" : refused.code,
          );
        // Every recipient refused, some only for now: the refused-for-good are recorded and the
        // rest retried.
        return { rejected: refused.rejected, retry: { ...notification, addresses: refused.deferred } };
      }
      if (outbox) {
        await mkdir(settings.outboxDir, { recursive: true });
        const file = join(settings.outboxDir, `${fileStamp()}-${safeName(notification.id)}.eml`);
        await writeFile(file, info.message as Buffer);
        deps.logger.info(
          { notification: notification.id, to, file, subject: message.subject },
          "email written to the outbox (no SMTP host configured)",
        );
      } else {
        deps.logger.info(
          { notification: notification.id, to, accepted: info.accepted, messageId: info.messageId },
          "email sent",
        );
        const result = partialResult(notification, info);
        return missed === undefined
          ? result
          : { ...result, missed: { code: "nobody_on_duty", rejected: [missed] } };
      }
      return missed === undefined ? undefined : { missed: { code: "nobody_on_duty", rejected: [missed] } };
    },
    async close() {
      transport.close();
    },
  };
}

/**
 * Why a notification reaches no duty officer by e-mail, naming the roster tiers and the Beijing
 * time they were looked up: nobody on duty then, or nobody on duty with an e-mail address.
 *
 * @example
 * nobodyOnDuty(n) // { target: "roster tier 0", reply: "nobody on duty at roster tier 0 on sat 2026-11-28 21:00 (Beijing time)" }
 */
export function nobodyOnDuty(n: Notification): Rejection {
  const tiers = n.tier === 0 ? "tier 0" : `tiers 0–${n.tier}`;
  const at = n.dutyAt ?? (n.event === undefined ? undefined : Date.parse(n.event.at));
  const when = at === undefined || !Number.isFinite(at) ? "" : ` on ${beijingWeekTime(at)} (Beijing time)`;
  const reply =
    n.recipients.length === 0
      ? `nobody on duty at roster ${tiers}${when}`
      : `nobody on duty at roster ${tiers}${when} has an e-mail address (${n.recipients.map((p) => p.name).join(", ")})`;
  return { target: `roster ${tiers}`, reply };
}

const WEEKDAY_SHORT = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

/** "sat 2026-11-28 21:00": weekday, date and time in Beijing time. */
function beijingWeekTime(ms: number): string {
  const d = new Date(ms + 8 * 3_600_000);
  return `${WEEKDAY_SHORT[d.getUTCDay()]} ${d.toISOString().slice(0, 16).replace("T", " ")}`;
}

interface SmtpReplyError {
  readonly code?: string;
  readonly command?: string;
  readonly responseCode?: number;
  readonly response?: string;
  readonly recipient?: string;
  readonly rejectedErrors?: readonly SmtpReplyError[];
}

/** A permanent SMTP reply: 5xx (RFC 5321 §4.2.1: "Permanent Negative Completion reply"). */
function permanentReply(e: SmtpReplyError): boolean {
  return e.responseCode !== undefined && e.responseCode >= 500 && e.responseCode < 600;
}

/**
 * A reply about the address itself, the way mail software classifies bounces. With an RFC 3463
 * enhanced status code (§3.2 addressing 5.1.x: 5.1.1 user unknown, 5.1.2 bad domain, …; §3.3
 * mailbox 5.2.x: disabled, full) the code decides: any other subject (5.7.x security or policy,
 * 5.3.x, 5.4.x, …) is not about the address. Without one, the RFC 5321 reply code (§4.2.2, §4.2.3):
 * 551 "user not local" and 553 "mailbox name not allowed" are about the address; 550 "mailbox
 * unavailable" (which §4.2.2 says may also be a policy refusal) and 552/554 only when the text
 * says the mailbox, user or recipient is unknown, unavailable or does not exist and names no
 * policy (relay, access denied, spam, blocked, …).
 *
 * @example
 * addressReply({ response: "550 No such user" }); // true
 * addressReply({ response: "550 5.7.1 Relay access denied" }); // false
 * addressReply({ response: "550 Relaying denied" }); // false
 */
export function addressReply(e: { readonly response?: string }): boolean {
  const reply = e.response ?? "";
  const enhanced = /^5\d\d[ -]\s*([245])\.(\d{1,3})\.\d{1,3}(?!\d)/.exec(reply);
  // RFC 3463 §2: the enhanced code's subject decides when the server gives one.
  if (enhanced !== null) return enhanced[1] === "5" && (enhanced[2] === "1" || enhanced[2] === "2");
  const code = /^(5\d\d)(?:[ -]|$)/.exec(reply)?.[1];
  // RFC 5321 §4.2.2: 551 User not local, 553 mailbox name not allowed.
  if (code === "551" || code === "553") return true;
  if (code !== "550" && code !== "552" && code !== "554") return false;
  const text = reply.slice(3);
  return ADDRESS_TEXT.test(text) && !POLICY_TEXT.test(text);
}

/** Reply text saying the mailbox itself is not there (user unknown, no such user, …). */
const ADDRESS_TEXT =
  /\b(?:no such (?:user|mailbox|recipient|address|account|person)|(?:user|mailbox|recipient|address|account)s?(?: name)? (?:is )?(?:unknown|unavailable|not found|not known|not exist|does not exist|doesn't exist|disabled|inactive|invalid)|unknown (?:user|mailbox|recipient|address|account|local part)|invalid (?:user|mailbox|recipient|address|account)|(?:does not|doesn't|not) exist)/i;
/** Reply text naming a policy refusal (relay, access, spam, sender, login), whatever else it says. */
const POLICY_TEXT =
  /\b(?:relay(?:ing)?|polic(?:y|ies)|denied|not permitted|not allowed|prohibited|spam|block(?:ed|list)|black ?list|reputation|auth(?:entication)?|sender|rate limit)/i;

/**
 * The refusals when the server refused every recipient of the message with a 5xx at RCPT TO, not
 * each for its own address (see {@link addressReply}): e.g. `554 5.7.1 Relay access denied`. That
 * is the server's policy (relay access, the sender, our login), the same for every message, like a
 * 5xx to MAIL FROM: retried (a {@link HeldRefusal}: the queue holds it aside, the next messages go
 * on), not a refusal of these addresses. Undefined
 * otherwise (some recipients accepted or refused only for now, or every refusal about the address).
 */
export function policyRefusal(error: unknown, to: readonly string[]): Rejection[] | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as SmtpReplyError;
  if (e.command !== "RCPT TO" || e.rejectedErrors === undefined) return undefined;
  const refused = e.rejectedErrors.filter((r) => r.recipient !== undefined);
  if (refused.length === 0 || !refused.every(permanentReply)) return undefined;
  const targets = new Set(refused.map((r) => r.recipient?.toLowerCase()));
  if (!to.every((a) => targets.has(a.toLowerCase())) || refused.every(addressReply)) return undefined;
  return refused.map((r) => ({ target: r.recipient ?? "", reply: r.response ?? "" }));
}

/**
 * What an SMTP error says about this message's recipients; undefined when it is about the channel
 * (connection refused or reset, timeouts, DNS, TLS, a 4xx, a 5xx to the greeting, AUTH or
 * MAIL FROM, or to every RCPT TO not about the address ({@link policyRefusal}): every message would
 * fail alike, so it is retried rather than every e-mail dropped). A 5xx to RCPT TO otherwise
 * refuses that recipient, a 5xx to DATA or the message refuses it for everyone.
 *
 * @example
 * // nodemailer's "all recipients were rejected", bad@x 550 and slow@x 451:
 * classifySmtpError(err, ["bad@x", "slow@x"]);
 * // { rejected: [{ target: "bad@x", reply: "550 …" }], deferred: ["slow@x"], code: "recipient_rejected" }
 * // (every recipient refused for good: thrown by the channel as code "address_rejected")
 */
export function classifySmtpError(
  error: unknown,
  to: readonly string[],
): { rejected: Rejection[]; deferred: string[]; code: string } | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as SmtpReplyError;
  if (e.command === "RCPT TO" && e.rejectedErrors !== undefined && e.rejectedErrors.length > 0) {
    if (policyRefusal(error, to) !== undefined) return undefined;
    const rejected = e.rejectedErrors
      .filter((r) => permanentReply(r) && r.recipient !== undefined)
      .map((r) => ({ target: r.recipient ?? "", reply: r.response ?? "" }));
    if (rejected.length === 0) return undefined;
    const refused = new Set(rejected.map((r) => r.target));
    return { rejected, deferred: to.filter((a) => !refused.has(a)), code: "recipient_rejected" };
  }
  if ((e.command === "DATA" || e.code === "EMESSAGE") && permanentReply(e)) {
    const reply = e.response ?? "";
    return { rejected: to.map((target) => ({ target, reply })), deferred: [], code: "message_rejected" };
  }
  return undefined;
}

/**
 * After a message the server took for some recipients only: those it refused for good (5xx) are
 * reported, those it refused for now (4xx) retried.
 */
function partialResult(
  notification: Notification,
  info: { readonly rejected?: unknown; readonly rejectedErrors?: unknown },
): SendResult | undefined {
  const errors = (Array.isArray(info.rejectedErrors) ? info.rejectedErrors : []) as SmtpReplyError[];
  if (errors.length === 0) return undefined;
  const rejected = errors
    .filter((r) => permanentReply(r) && r.recipient !== undefined)
    .map((r) => ({ target: r.recipient ?? "", reply: r.response ?? "" }));
  const deferred = errors.filter((r) => !permanentReply(r) && r.recipient !== undefined);
  return {
    ...(rejected.length > 0 ? { rejected } : {}),
    ...(deferred.length > 0
      ? { retry: { ...notification, addresses: deferred.map((r) => r.recipient ?? "") } }
      : {}),
  };
}

/**
 * The right-hand side of the Message-IDs: the domain of the From address when it is a real one
 * (has a dot), else `qingshan.local`.
 *
 * @example
 * messageIdDomain("青山监测 Qingshan <qingshan@example.gov.cn>"); // "example.gov.cn"
 * messageIdDomain("青山监测 Qingshan <qingshan@localhost>"); // "qingshan.local"
 */
export function messageIdDomain(from: string): string {
  const address = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from;
  const domain = address
    .slice(address.lastIndexOf("@") + 1)
    .trim()
    .toLowerCase();
  return address.includes("@") && /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain) ? domain : "qingshan.local";
}

/** A Message-ID left part from any id: readable (unsafe characters become ".") and unique (a hash of the id). */
function localPart(kind: string, id: string): string {
  const readable = id
    .replace(/[^A-Za-z0-9_-]+/g, ".")
    .replace(/^\.+|\.+$/g, "")
    .slice(0, 100)
    .replace(/\.+$/, "");
  const hash = createHash("sha256").update(id).digest("hex").slice(0, 16);
  return readable === "" ? `${kind}.${hash}` : `${kind}.${readable}.${hash}`;
}

/**
 * The Message-ID of an alert's first (raised) e-mail, which every later e-mail about it refers to.
 *
 * @example
 * alertThreadId("a1", "qingshan.local"); // "<alert.a1.<16 hex>@qingshan.local>"
 */
export function alertThreadId(alertId: string, domain: string): string {
  return `<${localPart("alert", alertId)}@${domain}>`;
}

/** The Message-ID of the e-mail of one notification (an alert event or a summary), from its id. */
export function notificationMessageId(notificationId: string, domain: string): string {
  return `<${localPart("n", notificationId)}@${domain}>`;
}

function threadHeaders(
  n: Notification,
  domain: string,
): { messageId: string; inReplyTo?: string; references?: string } {
  if (n.kind !== "alert" || n.event === undefined) return { messageId: notificationMessageId(n.id, domain) };
  const thread = alertThreadId(n.event.alertId, domain);
  // The raised e-mail itself opens the thread; anything else about the alert (a notice that its
  // e-mail was not delivered to everyone, too) replies to it.
  if (n.event.type === "raised" && n.id === n.event.id) return { messageId: thread };
  return { messageId: notificationMessageId(n.id, domain), inReplyTo: thread, references: thread };
}

function fileStamp(): string {
  return new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]+/g, "_").slice(0, 120);
}
