import { ALERT_EVENT_TYPES, type AlertEventType } from "@qingshan/domain";
import { z } from "zod";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Event types a route can notify on: every alert event type (renotified/escalated are the notifier's own reminders). */
export const ROUTE_EVENT_TYPES = ALERT_EVENT_TYPES;
export type RouteEventType = AlertEventType;
export const SUMMARY_KINDS = ["handover", "daily"] as const;
export type SummaryKind = (typeof SUMMARY_KINDS)[number];

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a Beijing time of day "HH:MM"');

export const personSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  email: z.email().optional(),
  /** Mobile number: DingTalk `at.atMobiles`. */
  phone: z.string().min(1).optional(),
  dingtalkUserId: z.string().min(1).optional(),
  /** WeCom user id, mentioned in markdown as `<@id>`. */
  wecomUserId: z.string().min(1).optional(),
});
export type Person = z.output<typeof personSchema>;

export const shiftSchema = z.strictObject({
  name: z.string().min(1),
  /** Weekdays (Beijing time) on which the shift STARTS; a shift crossing midnight ends the next day. */
  days: z
    .array(z.enum(WEEKDAYS))
    .min(1)
    .default([...WEEKDAYS]),
  /** Beijing time "HH:MM". end <= start means the shift crosses midnight (end == start: 24 h). */
  start: clockTime,
  end: clockTime,
  /** tiers[0] = duty officers (值班人员), tiers[1] = section chief (科长), … — person ids. */
  tiers: z.array(z.array(z.string().min(1)).min(1)).min(1),
});
export type Shift = z.output<typeof shiftSchema>;

const DEMO_ROSTER = {
  people: [
    { id: "demo-duty-day", name: "演示值班员甲 Demo Duty Officer (day)", email: "duty-day@example.com" },
    {
      id: "demo-duty-night",
      name: "演示值班员乙 Demo Duty Officer (night)",
      email: "duty-night@example.com",
    },
    { id: "demo-chief", name: "演示科长 Demo Section Chief", email: "chief@example.com" },
    { id: "demo-director", name: "演示局领导 Demo Director", email: "director@example.com" },
  ],
  shifts: [
    {
      name: "day",
      days: [...WEEKDAYS],
      start: "08:00",
      end: "20:00",
      tiers: [["demo-duty-day"], ["demo-chief"], ["demo-director"]],
    },
    {
      name: "night",
      days: [...WEEKDAYS],
      start: "20:00",
      end: "08:00",
      tiers: [["demo-duty-night"], ["demo-chief"], ["demo-director"]],
    },
  ],
};

export const rosterSchema = z
  .strictObject({
    people: z.array(personSchema).min(1),
    shifts: z.array(shiftSchema).min(1),
  })
  .superRefine((roster, ctx) => {
    const ids = new Set<string>();
    roster.people.forEach((p, i) => {
      if (ids.has(p.id))
        ctx.addIssue({ code: "custom", path: ["people", i, "id"], message: `duplicate person id "${p.id}"` });
      ids.add(p.id);
    });
    roster.shifts.forEach((s, i) => {
      s.tiers.forEach((tier, t) => {
        tier.forEach((id, k) => {
          if (!ids.has(id)) {
            ctx.addIssue({
              code: "custom",
              path: ["shifts", i, "tiers", t, k],
              message: `"${id}" is not in roster.people`,
            });
          }
        });
      });
    });
  });
export type Roster = z.output<typeof rosterSchema>;

export const smtpSchema = z.strictObject({
  /** Empty: no SMTP; messages are written as .eml files into `outboxDir` and logged. */
  host: z.string().default(""),
  port: z.number().int().min(1).max(65535).default(587),
  /** true: TLS from the start (port 465); false: STARTTLS when the server offers it. */
  secure: z.boolean().default(false),
  user: z.string().default(""),
  pass: z.string().default(""),
  from: z.string().min(1).default("青山监测 Qingshan <qingshan@localhost>"),
  /** Accept self-signed server certificates (a bureau's internal relay). */
  rejectUnauthorized: z.boolean().default(true),
});

export const emailSchema = z.strictObject({
  enabled: z.boolean().default(true),
  smtp: smtpSchema.default(smtpSchema.parse({})),
  outboxDir: z.string().min(1).default("./data/outbox"),
  /** Always copied on every message, besides the roster people on duty. */
  to: z.array(z.email()).default([]),
  subjectPrefix: z.string().default("[青山 Qingshan]"),
  timeoutMs: z.number().int().positive().default(15_000),
});

export const webhookSchema = z.strictObject({
  /** The channel name routes refer to. */
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, '_', '.', '-'"),
  /** json: Qingshan's own payload; dingtalk / wecom: the robot's markdown message. */
  format: z.enum(["json", "dingtalk", "wecom"]),
  url: z.url(),
  /** DingTalk "加签" secret (SEC…): adds timestamp and sign query parameters. */
  secret: z.string().default(""),
  timeoutMs: z.number().int().positive().default(5_000),
});
export type WebhookSettings = z.output<typeof webhookSchema>;

export const routeSchema = z.strictObject({
  /** What rules name in `routing.routes` (config/rules.yaml): a route delivers only their alerts. */
  name: z.string().min(1),
  /**
   * Channel names: "email", a webhook name, or "*" for every channel; [] for none (the alert still
   * reaches the MQTT alerts topic, the API and the dashboard). "email" and "*" page the roster people
   * on duty: e-mail goes to them.
   */
  channels: z.array(z.string().min(1)),
  /** Rule ids (a trailing "*" matches a prefix); empty: every rule. */
  rules: z.array(z.string().min(1)).default([]),
  severities: z.array(z.enum(["info", "warning", "critical"])).default([]),
  /** Station ids (or "district"); empty: every station. */
  stations: z.array(z.string().min(1)).default([]),
  /**
   * Default: the raise, level changes, reminders, escalations and the all-clear (`resolved`, in
   * the alert's e-mail thread). Not `acknowledged`: it is the duty officer's own action in the
   * duty console, which already shows it, and it ends the reminders; an e-mail would only echo it.
   */
  events: z
    .array(z.enum(ROUTE_EVENT_TYPES))
    .min(1)
    .default(["raised", "level_changed", "renotified", "escalated", "resolved"]),
  summaries: z.array(z.enum(SUMMARY_KINDS)).default([...SUMMARY_KINDS]),
});
export type Route = z.output<typeof routeSchema>;

const retrySchema = z
  .strictObject({
    initialMs: z.number().int().min(1).default(1_000),
    maxMs: z.number().int().min(1).default(60_000),
    /**
     * Attempts per notification per channel before it is logged as dropped; 0 (the default): no
     * limit — retried every maxMs until the channel takes it, so an SMTP outage of hours loses no
     * alert (the pending ones are kept in spoolFile meanwhile).
     */
    maxAttempts: z.number().int().min(0).default(0),
  })
  .refine((r) => r.maxMs >= r.initialMs, { message: "maxMs must be >= initialMs", path: ["maxMs"] });

export const notifierConfigSchema = z.strictObject({
  /**
   * Base URL of the API (which serves the dashboard at /dashboard/) as duty officers reach it;
   * messages link `${publicUrl}/dashboard/#alerts` and `${publicUrl}/api/v1/alerts/{alertId}`.
   */
  publicUrl: z
    .string()
    .default("http://localhost:8080")
    .transform((u) => u.replace(/\/+$/, "")),
  /** An open, unacknowledged alert that is chased (README: which alerts are chased) is re-notified this often; 0 disables. */
  renotifyMinutes: z.number().min(0).default(15),
  /** An open, unacknowledged alert escalates one roster tier after this long; 0 disables. */
  escalateAfterMinutes: z.number().min(0).default(30),
  /** How often re-notification and escalation are checked. */
  tickMs: z.number().int().positive().default(5_000),
  group: z.string().min(1).default("notifier"),
  /** On start, alert events this far back are folded to rebuild open alerts. */
  rebuildLookbackDays: z.number().positive().default(400),
  /**
   * Undelivered notifications, kept for the next start: rewritten while a channel's queue holds
   * any (so a crash loses none), and what stop() could not drain.
   */
  spoolFile: z.string().min(1).default("./data/notifier-spool.jsonl"),
  /**
   * Notifications a channel refused for good (an SMTP 5xx for an address or the message, a
   * webhook's 404): JSON Lines, one appended per refusal with the channel, the alert id, the
   * refused addresses/URL with the server's replies, the recipients and the notification itself.
   * "" (the default): `notifier-failed.jsonl` in the spool file's directory.
   */
  failedFile: z.string().default(""),
  /**
   * The ids of the alert events this notifier has handled (notified, or spooled for sending, or
   * found to need no notification): JSON Lines, appended as it handles them, rewritten on start.
   * On start, what the store holds and this file does not is notified then (the evaluator and the
   * API store events themselves, so "in the store" does not mean "e-mailed").
   * "" (the default): `notifier-handled.jsonl` in the spool file's directory.
   */
  handledFile: z.string().default(""),
  drainTimeoutMs: z.number().int().min(0).default(5_000),
  retry: retrySchema.default({ initialMs: 1_000, maxMs: 60_000, maxAttempts: 0 }),
  roster: rosterSchema.default(DEMO_ROSTER),
  routes: z.array(routeSchema).default([
    routeSchema.parse({ name: "duty", channels: ["*"] }),
    // The shipped noi-grade rule routes here: each grade and its changes, no reminders or
    // escalation for an informational grade, no summaries. No channel by default: "*" would
    // include e-mail, which goes to the duty roster, and a fresh-air grade is not the duty
    // officer's business (add the publication webhook here).
    routeSchema.parse({
      name: "publication",
      channels: [],
      events: ["raised", "level_changed"],
      summaries: [],
    }),
  ]),
  email: emailSchema.default(emailSchema.parse({})),
  webhooks: z.array(webhookSchema).default([]),
  mqtt: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Broker URL; empty: the injected `mqttPublish` (embedded broker), or no MQTT when none. */
      url: z.string().default(""),
      /** The login on that broker; empty: none, or the one in `url`. */
      username: z.string().default(""),
      password: z.string().default(""),
      /** Events go to `${topicPrefix}/${stationId}`. */
      topicPrefix: z.string().min(1).default("alerts"),
    })
    .default({ enabled: true, url: "", username: "", password: "", topicPrefix: "alerts" }),
  schedule: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** A handover summary at each shift start and end. */
      handover: z.boolean().default(true),
      /** Beijing time "HH:MM" of the daily summary; "" disables it. */
      dailySummaryAt: z.union([clockTime, z.literal("")]).default("08:00"),
      /** Metrics whose daily means (air stations) go into the daily summary. */
      dailyMetrics: z.array(z.enum(["pm25", "pm10", "so2", "no2", "co"])).default(["pm25", "pm10"]),
    })
    .default({ enabled: true, handover: true, dailySummaryAt: "08:00", dailyMetrics: ["pm25", "pm10"] }),
});

export type NotifierSettings = z.output<typeof notifierConfigSchema>;
export type NotifierConfig = z.input<typeof notifierConfigSchema>;

/**
 * Validates notifier settings once; throws an Error naming every invalid field path.
 *
 * @example
 * parseNotifierConfig({}).renotifyMinutes; // 15
 * parseNotifierConfig({ email: { smtp: { host: "smtp.example.com" } } }).email.smtp.port; // 587
 */
export function parseNotifierConfig(config: NotifierConfig): NotifierSettings {
  const parsed = notifierConfigSchema.safeParse(config);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`notifier configuration invalid: ${detail}`, { cause: parsed.error });
  }
  const routeNames = parsed.data.routes.map((r) => r.name);
  const duplicate = routeNames.find((n, i) => routeNames.indexOf(n) !== i);
  if (duplicate !== undefined) {
    throw new Error(`notifier configuration invalid: routes: the name "${duplicate}" is used twice`);
  }
  const names = new Set(["email", ...parsed.data.webhooks.map((w) => w.name)]);
  if (names.size !== parsed.data.webhooks.length + 1) {
    throw new Error(`notifier configuration invalid: webhooks: names must be unique and not "email"`);
  }
  return parsed.data;
}

/** A rule as far as routing goes: its id and the notifier routes it names (`routing.routes`). */
export interface RoutedRule {
  readonly id: string;
  /** A disabled rule raises nothing and is not checked. */
  readonly enabled?: boolean;
  readonly routing: { readonly routes: readonly string[] };
}

/**
 * Checks that every route a rule names is a notifier route; throws an Error naming each rule,
 * route and the routes defined (an alert routed only to an undefined route would reach nobody).
 *
 * @example
 * assertRuleRoutes([{ id: "noi-grade", routing: { routes: ["publication"] } }], parseNotifierConfig({ routes: [{ name: "duty", channels: ["*"] }] }));
 * // Error: rule "noi-grade" routes its alerts to "publication", which is not a notifier route (notifier.routes: duty) …
 */
export function assertRuleRoutes(
  rules: readonly RoutedRule[],
  settings: Pick<NotifierSettings, "routes">,
  rulesFile = "the rules file",
): void {
  const defined = settings.routes.map((r) => r.name);
  const problems = rules
    .filter((rule) => rule.enabled !== false)
    .flatMap((rule) =>
      rule.routing.routes
        .filter((name) => !defined.includes(name))
        .map((name) => `rule "${rule.id}" routes its alerts to "${name}", which is not a notifier route`),
    );
  if (problems.length === 0) return;
  throw new Error(
    `${problems.join("; ")} (notifier.routes: ${defined.join(", ") || "none"}). ` +
      `Add the route to notifier.routes in the configuration, or change the rule's routing.routes in ${rulesFile}.`,
  );
}
