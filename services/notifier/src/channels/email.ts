import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import nodemailer from "nodemailer";
import type { z } from "zod";
import type { emailSchema } from "../config.ts";
import type { NotifierLogger } from "../logger.ts";
import type { Notification, NotifierChannel } from "../notification.ts";

export type EmailSettings = z.output<typeof emailSchema>;

/**
 * The email channel (name "email"). With `smtp.host` set it sends through that SMTP server
 * (nodemailer); without (the embedded default) it writes each message as an .eml file into
 * `outboxDir` and logs it. Recipients: the roster people on duty that have an email, plus `to`.
 * A notification with no recipient at all is logged and skipped (nothing to retry).
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
      const to = [
        ...new Set([
          ...notification.recipients.flatMap((p) => (p.email === undefined ? [] : [p.email])),
          ...settings.to,
        ]),
      ];
      if (to.length === 0) {
        deps.logger.warn(
          { notification: notification.id },
          "email: no recipient on duty has an email; skipped",
        );
        return;
      }
      const message = {
        from: smtp.from,
        to,
        subject: `${settings.subjectPrefix} ${notification.title.zh} | ${notification.title.en}`.trim(),
        text: notification.text,
        headers: { "X-Qingshan-Notification": notification.id },
        ...threadHeaders(notification, domain),
      };
      const info = await transport.sendMail(message);
      if (outbox) {
        await mkdir(settings.outboxDir, { recursive: true });
        const file = join(settings.outboxDir, `${fileStamp()}-${safeName(notification.id)}.eml`);
        await writeFile(file, info.message as Buffer);
        deps.logger.info(
          { notification: notification.id, to, file, subject: message.subject },
          "email written to the outbox (no SMTP host configured)",
        );
      } else {
        deps.logger.info({ notification: notification.id, to, messageId: info.messageId }, "email sent");
      }
    },
    async close() {
      transport.close();
    },
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
  if (n.event.type === "raised") return { messageId: thread };
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
