/**
 * An SMTP catcher for tests that send real mail: a real `smtp-server` in process on a free loopback
 * port (no TLS, no AUTH), every received message parsed with `mailparser`. A subpath of its own
 * (`@qingshan/testkit/smtp`) so that tests which only need the probes do not load either library.
 *
 * @example
 * const smtp = await startTestSmtp();
 * // … configure the mailer with host 127.0.0.1, port smtp.port, secure false …
 * await waitFor(() => smtp.mails.find((m) => m.subject?.includes("PM2.5")));
 * await smtp.stop();
 */
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export type { ParsedMail } from "mailparser";

export interface TestSmtpServer {
  readonly port: number;
  /** Every message received so far, parsed, in the order they arrived. */
  readonly mails: ParsedMail[];
  /** Stops listening and waits for open sessions to end. */
  stop(): Promise<void>;
}

/**
 * Starts a {@link TestSmtpServer} on 127.0.0.1 with a port the OS chose, or on `port` (a server
 * stopped and started again on its port: a mail-server outage).
 */
export async function startTestSmtp(
  options: {
    readonly port?: number;
    /**
     * Answers RCPT TO: a reply refuses that recipient (e.g. { code: 550, message: "5.1.1 user
     * unknown" }, or a 4xx to defer it); undefined accepts it.
     */
    readonly refuseRecipient?: (address: string) => { code: number; message: string } | undefined;
  } = {},
): Promise<TestSmtpServer> {
  const mails: ParsedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onRcptTo(address, _session, callback) {
      const refusal = options.refuseRecipient?.(address.address);
      if (refusal === undefined) return callback();
      callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          mails.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    mails,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
