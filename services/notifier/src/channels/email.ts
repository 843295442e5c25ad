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
 * @example
 * const email = createEmailChannel(settings.email, { logger });
 * await email.send(notification); // SMTP, or ./data/outbox/20261128T100000-a1_raised.eml
 */
export function createEmailChannel(
  settings: EmailSettings,
  deps: { readonly logger: NotifierLogger },
): NotifierChannel {
  const { smtp } = settings;
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

function fileStamp(): string {
  return new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]+/g, "_").slice(0, 120);
}
