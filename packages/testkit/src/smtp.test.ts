import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { tcpReachable } from "./index.ts";
import { startTestSmtp } from "./smtp.ts";

/** One SMTP dialogue (RFC 5321 §3.3) over a plain socket; resolves with the server's replies. */
async function sendRaw(port: number, message: string): Promise<string[]> {
  const socket = new Socket();
  const replies: string[] = [];
  let buffered = "";
  let waiting: ((reply: string) => void) | undefined;
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffered += chunk;
    // A reply is complete at a line "NNN text" (a space after the code; "NNN-" continues, RFC 5321 §4.2).
    const match = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n$/.exec(buffered);
    if (match !== null && waiting !== undefined) {
      const reply = buffered;
      buffered = "";
      const done = waiting;
      waiting = undefined;
      done(reply);
    }
  });
  const reply = () => new Promise<string>((resolve) => (waiting = resolve));
  const greeting = reply();
  socket.connect(port, "127.0.0.1");
  replies.push(await greeting);
  for (const line of ["EHLO test", "MAIL FROM:<from@test.example>", "RCPT TO:<to@test.example>", "DATA"]) {
    const next = reply();
    socket.write(`${line}\r\n`);
    replies.push(await next);
  }
  const accepted = reply();
  socket.write(`${message.replaceAll("\n", "\r\n")}\r\n.\r\n`);
  replies.push(await accepted);
  socket.end("QUIT\r\n");
  return replies;
}

describe("startTestSmtp", () => {
  it("accepts a message on its loopback port, parses it, and stops listening", async () => {
    const smtp = await startTestSmtp();
    const replies = await sendRaw(
      smtp.port,
      "From: from@test.example\nTo: to@test.example\nSubject: =?UTF-8?B?5rWL6K+V?= test\n\nbody line\n",
    );
    expect(replies.map((r) => r.slice(0, 3))).toEqual(["220", "250", "250", "250", "354", "250"]);
    expect(replies[1]).not.toMatch(/STARTTLS|AUTH/);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]?.subject).toBe("测试 test");
    expect(smtp.mails[0]?.text?.trim()).toBe("body line");
    await smtp.stop();
    await expect(tcpReachable("127.0.0.1", smtp.port, 500)).rejects.toThrow();
  });
});
