import { describe, expect, it } from "vitest";
import { parseNotifierConfig } from "./config.ts";

describe("notifier configuration", () => {
  it("defaults suit the embedded default: outbox, no webhooks, 15/30 minutes, a demo roster", () => {
    const s = parseNotifierConfig({});
    expect(s.email.smtp.host).toBe("");
    expect(s.email.outboxDir).toBe("./data/outbox");
    expect(s.webhooks).toEqual([]);
    expect(s.renotifyMinutes).toBe(15);
    expect(s.escalateAfterMinutes).toBe(30);
    expect(s.routes).toEqual([expect.objectContaining({ name: "duty", channels: ["*"] })]);
    expect(s.roster.people.every((p) => p.email?.endsWith("@example.com"))).toBe(true);
    expect(s.mqtt.topicPrefix).toBe("alerts");
  });

  it("names invalid fields", () => {
    expect(() =>
      parseNotifierConfig({ webhooks: [{ name: "x", format: "slack" as "json", url: "nope" }] }),
    ).toThrow(/webhooks\.0\.format.*webhooks\.0\.url/s);
    expect(() =>
      parseNotifierConfig({ webhooks: [{ name: "email", format: "json", url: "http://127.0.0.1/" }] }),
    ).toThrow(/names must be unique/);
  });
});
