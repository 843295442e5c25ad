import { describe, expect, it } from "vitest";
import { assertRuleRoutes, parseNotifierConfig } from "./config.ts";

describe("notifier configuration", () => {
  it("defaults suit the embedded default: outbox, no webhooks, 15/30 minutes, a demo roster", () => {
    const s = parseNotifierConfig({});
    expect(s.email.smtp.host).toBe("");
    expect(s.email.outboxDir).toBe("./data/outbox");
    expect(s.webhooks).toEqual([]);
    expect(s.renotifyMinutes).toBe(15);
    expect(s.escalateAfterMinutes).toBe(30);
    expect(s.routes).toEqual([
      expect.objectContaining({ name: "duty", channels: ["*"] }),
      // config/rules.yaml's noi-grade routes to "publication": grade changes only, no reminders,
      // and no channel (e-mail would page the duty roster).
      expect.objectContaining({
        name: "publication",
        channels: [],
        events: ["raised", "level_changed"],
        summaries: [],
      }),
    ]);
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

  it("refuses a key it does not know, at the top and in nested settings, naming it", () => {
    expect(() => parseNotifierConfig({ renotifyMinutess: 5 } as never)).toThrow(
      'notifier configuration invalid: (root): Unrecognized key: "renotifyMinutess"',
    );
    const nested: Array<[object, string]> = [
      [{ email: { smtp: { hots: "mail.example.org" } } }, 'email.smtp: Unrecognized key: "hots"'],
      [{ routes: [{ name: "duty", chanels: ["*"] }] }, 'routes.0: Unrecognized key: "chanels"'],
      [{ retry: { maxAttempt: 3 } }, 'retry: Unrecognized key: "maxAttempt"'],
      [{ mqtt: { topic: "alerts" } }, 'mqtt: Unrecognized key: "topic"'],
      [{ schedule: { dailySummary: "08:00" } }, 'schedule: Unrecognized key: "dailySummary"'],
      [
        { webhooks: [{ name: "ops", format: "json", url: "http://127.0.0.1/", secrte: "x" }] },
        'webhooks.0: Unrecognized key: "secrte"',
      ],
      [
        {
          roster: {
            people: [{ id: "a", name: "A", mail: "a@example.com" }],
            shifts: [{ name: "day", start: "08:00", end: "20:00", tiers: [["a"]] }],
          },
        },
        'roster.people.0: Unrecognized key: "mail"',
      ],
      [
        {
          roster: {
            people: [{ id: "a", name: "A" }],
            shifts: [{ name: "day", start: "08:00", end: "20:00", tiers: [["a"]], weekdays: ["mon"] }],
          },
        },
        'roster.shifts.0: Unrecognized key: "weekdays"',
      ],
    ];
    for (const [config, message] of nested) {
      expect(() => parseNotifierConfig(config as never)).toThrow(message);
    }
  });

  it("refuses two routes with one name", () => {
    expect(() =>
      parseNotifierConfig({
        routes: [
          { name: "duty", channels: ["email"] },
          { name: "duty", channels: ["*"] },
        ],
      }),
    ).toThrow(/routes: the name "duty" is used twice/);
  });

  it("assertRuleRoutes names each rule routing to an undefined route, the route, and the routes defined", () => {
    const settings = parseNotifierConfig({
      routes: [
        { name: "duty", channels: ["*"] },
        { name: "water-team", channels: ["email"] },
      ],
    });
    const rules = [
      { id: "aqi-hourly-heavy", routing: { routes: ["duty"] } },
      { id: "water-below-target", routing: { routes: ["water-team", "duty"] } },
    ];
    expect(() => assertRuleRoutes(rules, settings)).not.toThrow();
    // A disabled rule raises nothing: its routes are not checked.
    expect(() =>
      assertRuleRoutes([{ id: "noi-grade", enabled: false, routing: { routes: ["publication"] } }], settings),
    ).not.toThrow();
    expect(() =>
      assertRuleRoutes(
        [...rules, { id: "noi-grade", routing: { routes: ["duty", "publication"] } }],
        settings,
        "config/rules.yaml",
      ),
    ).toThrow(
      'rule "noi-grade" routes its alerts to "publication", which is not a notifier route (notifier.routes: duty, water-team). ' +
        "Add the route to notifier.routes in the configuration, or change the rule's routing.routes in config/rules.yaml.",
    );
  });
});
