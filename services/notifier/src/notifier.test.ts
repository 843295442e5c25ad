import { createHmac } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AlertEvent } from "@qingshan/domain";
import type { TimeSeriesStore } from "@qingshan/store";
import { waitFor } from "@qingshan/testkit";
import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import type { NotifierConfig } from "./config.ts";
import { createNotifier } from "./notifier.ts";
import {
  acknowledged,
  baseConfig,
  cleanupAfterEach,
  hourly,
  localSmtp,
  MIN,
  publishAlerts,
  raised,
  registry,
  silentLogger,
  startBroker,
  startNotifier,
  startReceiver,
  startSmtp,
  startStoreAndBus,
  T0,
} from "./testdata/harness.ts";

const cleanup = cleanupAfterEach();

function clock(start = T0) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

async function setup(overrides: Partial<NotifierConfig> = {}) {
  const { dir, store, bus } = await startStoreAndBus(cleanup);
  const smtp = await startSmtp(cleanup);
  const config = baseConfig(dir, {
    email: { smtp: localSmtp(smtp.port), timeoutMs: 5_000 },
    ...overrides,
  });
  return { dir, store, bus, smtp, config };
}

describe("notifier with real SMTP, HTTP receivers, MQTT broker and DuckDB", () => {
  it("e-mails a heavy-pollution warning with its AQI in the subject and no provenance notes; NOI grades (publication) page nobody", async () => {
    // Default routes (duty, publication): as `qingshan start` runs them.
    const { smtp, store, bus, config } = await setup();
    await startNotifier(cleanup, config, { bus, store, now: clock().now });
    const { threshold: _pm25Limit, ...base } = raised("noi-grade:ld-aq-01:x");
    const noi: AlertEvent = {
      ...base,
      alertId: "noi-grade:ld-aq-01:x",
      ruleId: "noi-grade",
      severity: "info",
      level: "II",
      metric: "noi",
      value: 800,
      window: "1-h mean",
      standard: "负氧离子分级 NOI grades, QX/T 380-2017 (provisional 暂行)",
      routes: ["publication"],
      message: { zh: "负氧离子 800 个/cm³，II级", en: "negative oxygen ions 800 ions/cm³, grade II" },
    };
    const warning: AlertEvent = {
      ...base,
      id: "heavy-pollution-warning:ld-aq-01:x:raised",
      alertId: "heavy-pollution-warning:ld-aq-01:x",
      ruleId: "heavy-pollution-warning",
      severity: "critical",
      level: "orange",
      metric: "aqi",
      value: 235,
      window: "24-h rolling",
      standard:
        "重污染天气预警分级 heavy-pollution warning levels, 24-h rolling AQI; 《关于进一步优化重污染天气应对机制的指导意见》（生态环境部 2024年 预警分级） preset 2024 (provisional)",
      routes: ["duty"],
      message: {
        zh: "【严重】莲都监测站：重污染天气（实测建议级别，非正式发布）（橙色）。24小时滑动AQI 235；开始于 11月28日 09:00（北京时间）。",
        en: "[critical] Liandu station: Heavy pollution (level suggested from observed data, not an issued warning) (orange). 24-h rolling AQI 235; since 28 Nov 09:00 Beijing time.",
      },
    };
    // The NOI event goes first: had it been e-mailed, it would arrive before the warning.
    await publishAlerts(bus, noi, warning);
    const [mail] = await waitFor(() => (smtp.mails.length > 0 ? smtp.mails : undefined), {
      what: "the warning e-mail",
    });
    const subject = mail?.subject ?? "";
    expect(subject).toBe(
      "[青山 Qingshan] 【建议橙色预警】莲都监测站（万象街道） 重污染天气 AQI 24小时滑动值 235 · 新告警 | " +
        "[Orange warning suggested] Liandu station: heavy pollution, AQI 24-h rolling 235 · New alert",
    );
    // The AQI is what the officer triages by; the length rule (120 before, which the step-down
    // subjects already broke) is now asserted for every kind and station in subject-length-email.test.ts.
    const lines = (mail?.text ?? "").split("\n");
    expect(lines).toContain(
      "实测 Measured: 235（空气质量指数 Air Quality Index，24小时滑动 24-h rolling）；" +
        "标准 standard 重污染天气预警分级 heavy-pollution warning levels, 24-h rolling AQI; " +
        "《关于进一步优化重污染天气应对机制的指导意见》（生态环境部 2024年 预警分级） preset 2024 (provisional)",
    );
    expect(lines).toContain("发送至 Sent to: 测试值班员 Test Duty（值班人员 duty officer）");
    expect(lines).toContain("查看 Dashboard: http://qingshan.test:8080/dashboard/#alerts");
    for (const text of [subject, mail?.text ?? ""]) {
      expect(text).not.toMatch(/recalled|unverified|from memory|\.md\b|§|第0–0级|tiers 0–0/);
    }
    expect(smtp.mails.map((m) => m.subject)).not.toContainEqual(expect.stringContaining("负氧离子"));
    expect(smtp.mails).toHaveLength(1);
  });

  it("sends a raised alert by email, JSON/DingTalk/WeCom webhooks and MQTT, with the numbers in Chinese and English", async () => {
    const { store, bus, smtp, config } = await setup();
    const http = await startReceiver(cleanup);
    const broker = await startBroker(cleanup);
    const secret = "SECtest-secret";
    const c = clock();
    await startNotifier(
      cleanup,
      {
        ...config,
        mqtt: { url: broker.url },
        webhooks: [
          { name: "ops-json", format: "json", url: `${http.url}/json` },
          {
            name: "duty-dingtalk",
            format: "dingtalk",
            url: `${http.url}/robot/send?access_token=tok`,
            secret,
          },
          { name: "duty-wecom", format: "wecom", url: `${http.url}/cgi-bin/webhook/send?key=k1` },
        ],
      },
      { bus, store, now: c.now },
    );

    await publishAlerts(bus, raised());

    const [mail] = await waitFor(() => (smtp.mails.length > 0 ? smtp.mails : undefined), {
      what: "the email",
    });
    expect(mail?.to && "value" in mail.to ? mail.to.value.map((a) => a.address) : []).toEqual([
      "duty@test.example",
    ]);
    expect(mail?.subject).toBe(
      "[青山 Qingshan] 【警告】莲都监测站（万象街道） PM2.5 180.4 µg/m³ · 新告警 | " +
        "[Warning] Liandu station: PM2.5 180.4 µg/m³ · New alert",
    );
    const text = mail?.text ?? "";
    for (const expected of [
      "内容 What: PM2.5 24小时均值 180.4 > 75 µg/m³ / PM2.5 24-hour mean 180.4 > 75 µg/m³",
      "地点 Where: 莲都监测站（万象街道） / Liandu station (万象街道), station ld-aq-01",
      "实测 Measured: 180.4 µg/m³（细颗粒物(PM2.5) Fine particulate matter (PM2.5)，24h rolling）；" +
        "阈值 threshold 75 µg/m³；标准 standard GB 3095-2012 表1 二级 / Table 1 Grade II",
      "开始时间 Started: 11月28日 09:00 / 28 Nov 09:00 北京时间 (Beijing time, UTC+8)",
      "发送至 Sent to: 测试值班员 Test Duty（值班人员 duty officer）",
      "查看 Dashboard: http://qingshan.test:8080/dashboard/#alerts",
      "接口 API: http://qingshan.test:8080/api/v1/alerts/a1",
    ]) {
      expect(text.split("\n")).toContain(expected);
    }

    await waitFor(() => http.received.length === 3, { what: "three webhook posts" });
    const json = http.received.find((r) => r.path === "/json");
    expect(json?.body).toMatchObject({
      source: "qingshan",
      kind: "alert",
      id: "a1:raised",
      link: "http://qingshan.test:8080/dashboard/#alerts",
      apiLink: "http://qingshan.test:8080/api/v1/alerts/a1",
      event: { alertId: "a1", type: "raised", value: 180.4, threshold: 75 },
    });

    const ding = http.received.find((r) => r.path === "/robot/send");
    expect(ding?.query.get("access_token")).toBe("tok");
    const timestamp = ding?.query.get("timestamp") ?? "";
    expect(Math.abs(Number(timestamp) - Date.now())).toBeLessThan(60 * MIN);
    const expectedSign = createHmac("sha256", secret).update(`${timestamp}\n${secret}`).digest("base64");
    expect(ding?.query.get("sign")).toBe(expectedSign);
    expect(ding?.body).toMatchObject({
      msgtype: "markdown",
      markdown: { title: expect.stringContaining("新告警") },
      at: { atMobiles: ["13800000000"], isAtAll: false },
    });
    const dingText = (ding?.body.markdown as { text: string } | undefined)?.text ?? "";
    expect(dingText).toContain("180.4 µg/m³");
    expect(dingText).toContain("@13800000000");

    const wecom = http.received.find((r) => r.path === "/cgi-bin/webhook/send");
    expect(wecom?.query.get("key")).toBe("k1");
    expect(wecom?.body.msgtype).toBe("markdown");
    const content = (wecom?.body.markdown as { content: string } | undefined)?.content ?? "";
    expect(content).toContain("180.4 µg/m³");
    expect(content).toContain("<@dutya>");

    await waitFor(() => broker.messages.length > 0, { what: "the MQTT alert" });
    expect(broker.messages[0]?.topic).toBe("alerts/ld-aq-01");
    expect(broker.messages[0]?.event).toMatchObject({ id: "a1:raised", type: "raised", value: 180.4 });

    // Acknowledged and resolved events go to MQTT as well (the default route does not email them).
    c.advance(5 * MIN);
    await publishAlerts(bus, acknowledged("a1", c.now()));
    c.advance(5 * MIN);
    await publishAlerts(bus, {
      ...raised(),
      id: "a1:resolved",
      type: "resolved",
      at: new Date(c.now()).toISOString(),
    });
    await waitFor(() => broker.messages.length === 3, { what: "acknowledged and resolved on MQTT" });
    expect(broker.messages.map((m) => m.event.type)).toEqual(["raised", "acknowledged", "resolved"]);
    expect(smtp.mails).toHaveLength(1);
    // The notifier stored what it received. MQTT reads the bus in its own consumer group, without
    // waiting for the store, so the last event may reach the broker before it is stored.
    const stored = await waitFor(
      async () => {
        const events = await store.queryAlertEvents({ alertId: "a1" });
        return events.length === 3 ? events : undefined;
      },
      { what: "the three events stored" },
    );
    expect(stored.map((e) => e.type)).toEqual(["raised", "acknowledged", "resolved"]);
  });

  it("publishes the next alert on MQTT while the previous one is still being stored", async () => {
    const { store, bus, config } = await setup();
    const broker = await startBroker(cleanup);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The real store, with its alert-event writes held until released (a slow store).
    const slowStore: TimeSeriesStore = Object.create(store);
    slowStore.writeAlertEvents = async (events) => {
      await gate;
      await store.writeAlertEvents(events);
    };
    await startNotifier(cleanup, { ...config, mqtt: { url: broker.url } }, { bus, store: slowStore });
    await publishAlerts(bus, raised("a1"));
    await waitFor(() => broker.messages.length === 1, { what: "a1 on MQTT" });
    // Same station, so the same bus partition as a1, whose storing is still held.
    await publishAlerts(bus, raised("a2", T0 + MIN));
    await waitFor(() => broker.messages.length === 2, { what: "a2 on MQTT while a1 is being stored" });
    expect(broker.messages.map((m) => m.event.id)).toEqual(["a1:raised", "a2:raised"]);
    expect(await store.queryAlertEvents({})).toEqual([]);
    release();
    await waitFor(async () => (await store.queryAlertEvents({})).length === 2, { what: "both stored" });
    expect(broker.messages).toHaveLength(2);
  });

  it("retries a failing webhook (held, HTTP 500, then OK) without holding back the email or the bus", async () => {
    const { store, bus, smtp, config } = await setup();
    let release: (() => void) | undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const http = await startReceiver(cleanup, async (_req, n) => {
      if (n === 1) {
        await held;
        return { status: 500, body: "internal error" };
      }
      return { status: 200, body: "{}" };
    });
    const notifier = await startNotifier(
      cleanup,
      {
        ...config,
        webhooks: [{ name: "ops-json", format: "json", url: `${http.url}/hook`, timeoutMs: 10_000 }],
      },
      { bus, store, now: clock().now },
    );

    await publishAlerts(bus, raised("a1"));
    await waitFor(() => http.requests() === 1, { what: "the first webhook request" });
    // While the webhook hangs, the email is delivered and the bus keeps flowing.
    await waitFor(() => smtp.mails.length === 1, { what: "the email while the webhook hangs" });
    await publishAlerts(bus, raised("a2"));
    await waitFor(() => smtp.mails.length === 2, { what: "the second alert's email" });
    expect(http.received).toHaveLength(0);

    release?.();
    await waitFor(() => http.received.filter((r) => r.status === 200).length === 2, {
      what: "retry and the second alert",
    });
    expect(http.received.map((r) => [r.status, (r.body.event as AlertEvent).alertId])).toEqual([
      [500, "a1"],
      [200, "a1"],
      [200, "a2"],
    ]);
    // The receiver records the 200 before the notifier has read the answer: wait for its count.
    await waitFor(() => notifier.stats()["ops-json"]?.delivered === 2, {
      what: "the webhook's delivered count",
    });
    expect(notifier.stats()["ops-json"]).toMatchObject({ delivered: 2, retried: 1, dropped: 0, pending: 0 });
  });

  it("re-notifies an open alert every renotifyMinutes and stops once it is acknowledged", async () => {
    const { store, bus, smtp, config } = await setup();
    const broker = await startBroker(cleanup);
    const c = clock();
    const notifier = await startNotifier(
      cleanup,
      { ...config, renotifyMinutes: 15, escalateAfterMinutes: 0, mqtt: { url: broker.url } },
      { bus, store, now: c.now },
    );
    await publishAlerts(bus, raised());
    await waitFor(() => smtp.mails.length === 1, { what: "the raised email" });

    c.advance(14 * MIN);
    await notifier.tick();
    c.advance(1 * MIN);
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 2, { what: "the reminder" });
    expect(smtp.mails[1]?.subject).toContain("告警重复提醒");
    expect(smtp.mails[1]?.subject).toContain("Alert reminder");

    c.advance(15 * MIN);
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 3, { what: "the second reminder" });

    c.advance(2 * MIN);
    await publishAlerts(bus, acknowledged("a1", c.now()));
    await waitFor(() => notifier.openAlerts()[0]?.status === "acknowledged", { what: "acknowledged state" });
    for (let i = 0; i < 4; i++) {
      c.advance(15 * MIN);
      await notifier.tick();
    }
    await notifier.stop();
    expect(smtp.mails).toHaveLength(3);
    const stored = await store.queryAlertEvents({ alertId: "a1" });
    expect(stored.map((e) => e.id)).toEqual([
      "a1:raised",
      "a1:renotified:1",
      "a1:renotified:2",
      expect.stringMatching(/acknowledged/),
    ]);
    await waitFor(() => broker.messages.length === 4, { what: "reminders on MQTT" });
    expect(broker.messages.map((m) => m.event.type)).toEqual([
      "raised",
      "renotified",
      "renotified",
      "acknowledged",
    ]);
  });

  it("escalates an unacknowledged alert to tier 1 after escalateAfterMinutes, reaching the section chief", async () => {
    const { store, bus, smtp, config } = await setup();
    const c = clock();
    const seen: AlertEvent[] = [];
    await bus.subscribe<AlertEvent>("alerts", { group: "api-feed" }, async (batch) => {
      for (const d of batch) seen.push(d.value);
    });
    const notifier = await startNotifier(
      cleanup,
      { ...config, renotifyMinutes: 15, escalateAfterMinutes: 30 },
      { bus, store, now: c.now },
    );
    await publishAlerts(bus, raised());
    await waitFor(() => smtp.mails.length === 1);
    c.advance(15 * MIN);
    await notifier.tick();
    c.advance(15 * MIN);
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 3, { what: "reminder and escalation" });
    const escalation = smtp.mails[2];
    expect(escalation?.subject).toContain("告警升级");
    const to = escalation?.to && "value" in escalation.to ? escalation.to.value.map((a) => a.address) : [];
    expect(to.sort()).toEqual(["chief@test.example", "duty@test.example"]);
    expect(escalation?.subject).toContain("告警升级 → 第1级");
    expect(escalation?.subject).toContain("Alert escalated → tier 1");
    expect((escalation?.text ?? "").split("\n")).toContain(
      "发送至 Sent to: 测试值班员 Test Duty、测试科长 Test Chief（值班人员及第1级上级 duty officer and escalation tier 1）",
    );
    expect(notifier.openAlerts()[0]?.tier).toBe(1);
    // Tier 1 is the roster's top: no further escalation, reminders go on to both tiers.
    c.advance(30 * MIN);
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 4);
    expect(smtp.mails[3]?.subject).toContain("告警重复提醒");
    // The emitted events reached the bus for other consumers (the API's live feed).
    await waitFor(() => seen.length === 4);
    expect(seen.map((e) => e.id)).toEqual([
      "a1:raised",
      "a1:renotified:1",
      "a1:escalated:1",
      "a1:renotified:2",
    ]);
  });

  it("after a restart on the same store neither re-sends nor forgets the re-notification timer", async () => {
    const { store, bus, smtp, config } = await setup();
    const c = clock();
    const settings = { ...config, renotifyMinutes: 15, escalateAfterMinutes: 0 };
    const first = createNotifier(settings, { bus, store, registry, logger: silentLogger, now: c.now });
    await first.start();
    await publishAlerts(bus, raised());
    await waitFor(() => smtp.mails.length === 1);
    c.advance(15 * MIN);
    await first.tick();
    await waitFor(() => smtp.mails.length === 2);
    await first.stop();

    c.advance(5 * MIN);
    const second = await startNotifier(cleanup, settings, { bus, store, now: c.now });
    expect(second.openAlerts().map((s) => [s.alertId, s.notifications])).toEqual([["a1", 2]]);
    await second.tick();
    // The raised event redelivered (at-least-once) is recognised as already handled.
    await publishAlerts(bus, raised());
    c.advance(9 * MIN);
    await second.tick();
    await waitFor(() => bus.depth().alerts === 0, { what: "the redelivered event handled" });
    expect(second.stats().email).toMatchObject({ delivered: 0, pending: 0 });
    expect(smtp.mails).toHaveLength(2);

    c.advance(1 * MIN);
    await second.tick();
    await waitFor(() => smtp.mails.length === 3, { what: "the next reminder, 15 min after the last" });
    const stored = await store.queryAlertEvents({ alertId: "a1" });
    expect(stored.map((e) => e.id)).toEqual(["a1:raised", "a1:renotified:1", "a1:renotified:2"]);
  });

  it("writes .eml files into the outbox when no SMTP host is configured", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const config = baseConfig(dir);
    const notifier = await startNotifier(cleanup, config, { bus, store, now: clock().now });
    await publishAlerts(bus, raised());
    const outbox = join(dir, "outbox");
    const files = await waitFor(async () => {
      const names = await readdir(outbox).catch(() => []);
      return names.length > 0 ? names : undefined;
    });
    expect(files[0]).toMatch(/\.eml$/);
    const mail = await simpleParser(await readFile(join(outbox, files[0] ?? "")));
    expect(mail.subject).toContain("新告警");
    expect(mail.text).toContain("实测 Measured: 180.4 µg/m³");
    expect(mail.text).toContain("莲都监测站（万象街道）");
    expect(notifier.stats().email).toMatchObject({ delivered: 1, pending: 0 });
  });

  it("spools what it cannot deliver on stop and delivers it after the next start", async () => {
    const { store, bus, config } = await setup();
    let up = false;
    const http = await startReceiver(cleanup, () =>
      up ? { status: 200, body: "{}" } : { status: 503, body: "down" },
    );
    const settings: NotifierConfig = {
      ...config,
      email: { enabled: false },
      drainTimeoutMs: 100,
      retry: { initialMs: 20, maxMs: 50, maxAttempts: 1000 },
      webhooks: [{ name: "ops-json", format: "json", url: `${http.url}/hook` }],
    };
    const first = createNotifier(settings, { bus, store, registry, logger: silentLogger, now: clock().now });
    await first.start();
    await publishAlerts(bus, raised());
    await waitFor(() => http.requests() >= 2, { what: "failing attempts" });
    await first.stop();
    const spool = await readFile(settings.spoolFile ?? "", "utf8");
    expect(spool).toContain('"channel":"ops-json"');

    up = true;
    await startNotifier(cleanup, settings, { bus, store, now: clock().now });
    await waitFor(() => http.received.some((r) => r.status === 200), { what: "the spooled notification" });
    expect((http.received.find((r) => r.status === 200)?.body.event as AlertEvent | undefined)?.id).toBe(
      "a1:raised",
    );
    await expect(readFile(settings.spoolFile ?? "", "utf8")).rejects.toThrow();
  });

  it("sends the daily summary with yesterday's alerts and air-station daily means, and the handover summary", async () => {
    const { store, bus, smtp, config } = await setup();
    const yesterday = Date.parse("2026-11-27T00:00:00+08:00");
    await (store as TimeSeriesStore).writeReadings(
      hourly(
        "ld-aq-01",
        "pm25",
        yesterday,
        Array.from({ length: 24 }, (_, h) => (h < 12 ? 40 : 60)),
      ),
    );
    await store.writeAlertEvents([raised("old", Date.parse("2026-11-27T15:00:00+08:00"))]);
    const at = Date.parse("2026-11-28T08:00:00+08:00");
    const notifier = await startNotifier(cleanup, config, { bus, store, now: () => at });

    const daily = await notifier.runDailySummary();
    expect(daily.title).toEqual({
      zh: "每日小结 11月27日（北京时间）",
      en: "Daily summary 27 Nov (Beijing time)",
    });
    await waitFor(() => smtp.mails.length === 1);
    const text = smtp.mails[0]?.text ?? "";
    expect(text).toContain("昨日（11月27日）告警 Alerts raised on 27 Nov: 1");
    expect(text).toContain("规则 rule gb3095-24h-pm25: 1");
    expect(text).toContain("细颗粒物(PM2.5) / Fine particulate matter (PM2.5): 50 µg/m³ [24 h]");
    expect(text).toContain("无有效数据 no valid data"); // PM10 has no readings

    const handover = await notifier.runShiftHandover();
    await waitFor(() => smtp.mails.length === 2);
    expect(handover.title.en).toBe("Shift handover 28 Nov 08:00 Beijing time");
    const h = smtp.mails[1]?.text ?? "";
    expect(h).toContain("Open alerts: 1");
    expect(h).toContain("Alerts raised during the past shift: 0");
    const to =
      smtp.mails[1]?.to && "value" in smtp.mails[1].to ? smtp.mails[1].to.value.map((a) => a.address) : [];
    expect(to.sort()).toEqual(["duty@test.example", "night@test.example"]);
  });
});
