import type { AlertEvent } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import type { NotifierConfig } from "./config.ts";
import { conditionEnded, type Notifier } from "./notifier.ts";
import {
  baseConfig,
  cleanupAfterEach,
  localSmtp,
  MIN,
  publishAlerts,
  raised,
  startNotifier,
  startSmtp,
  startStoreAndBus,
  T0,
} from "./testdata/harness.ts";

const cleanup = cleanupAfterEach();

async function setup(overrides: Partial<NotifierConfig> = {}) {
  const { dir, store, bus } = await startStoreAndBus(cleanup);
  const smtp = await startSmtp(cleanup);
  let t = T0;
  /** Every event on bus "alerts", as the API's live feed (SSE) sees them. */
  const feed: AlertEvent[] = [];
  await bus.subscribe<AlertEvent>("alerts", { group: "live-feed" }, async (batch) => {
    for (const d of batch) feed.push(d.value);
  });
  const config = baseConfig(dir, {
    renotifyMinutes: 15,
    escalateAfterMinutes: 30,
    email: { smtp: localSmtp(smtp.port), timeoutMs: 5_000 },
    ...overrides,
  });
  const notifier: Notifier = await startNotifier(cleanup, config, { bus, store, now: () => t });
  return {
    store,
    smtp,
    feed,
    notifier,
    now: () => t,
    async publish(...events: AlertEvent[]) {
      await publishAlerts(bus, ...events);
      await waitFor(() => bus.depth().alerts === 0, { what: "the events handled" });
    },
    /** Advances the clock a minute at a time for `minutes`, ticking each minute. */
    async run(minutes: number) {
      for (let i = 0; i < minutes; i++) {
        t += MIN;
        await notifier.tick();
      }
      await waitFor(() => bus.depth().alerts === 0, { what: "the emitted events handled" });
    },
  };
}

const noiGrade = (alertId: string): AlertEvent => {
  const { threshold: _limit, ...base } = raised(alertId);
  return {
    ...base,
    ruleId: "noi-grade",
    severity: "info",
    level: "I",
    metric: "noi",
    value: 2400,
    window: "1-h mean",
    standard: "负氧离子分级 NOI grades, QX/T 380-2017 (provisional 暂行)",
    routes: ["publication"],
    message: { zh: "负氧离子 2400 个/cm³，I级", en: "negative oxygen ions 2400 ions/cm³, grade I" },
  };
};

const chasing = (feed: readonly AlertEvent[], alertId: string) =>
  feed.filter((e) => e.alertId === alertId && (e.type === "renotified" || e.type === "escalated"));

describe("which open alerts are reminded and escalated", () => {
  it("chases only alerts delivered to a channel whose severity is not info: not NOI grades (publication, no channel), not info alerts on a paging route", async () => {
    // Default routes: duty ("*") and publication (no channel, raised/level_changed only).
    const h = await setup();
    const quietWarning: AlertEvent = { ...raised("dq-unrouted"), routes: ["publication"] };
    const infoOnDuty: AlertEvent = { ...noiGrade("info-duty"), routes: ["duty"] };
    const paged: AlertEvent = { ...raised("pm25"), routes: ["duty"] };
    await h.publish(noiGrade("noi"), quietWarning, infoOnDuty, paged);
    await waitFor(() => h.smtp.mails.length === 2, { what: "the e-mails of info-duty and pm25" });

    await h.run(120);
    // The control: the paged warning is reminded and escalated as before.
    expect(chasing(h.feed, "pm25").map((e) => e.id)).toEqual([
      "pm25:renotified:1",
      "pm25:escalated:1",
      "pm25:renotified:2",
      "pm25:renotified:3",
      "pm25:renotified:4",
      "pm25:renotified:5",
      "pm25:renotified:6",
      "pm25:renotified:7",
    ]);
    for (const alertId of ["noi", "dq-unrouted", "info-duty"]) {
      expect(chasing(h.feed, alertId)).toEqual([]);
      expect((await h.store.queryAlertEvents({ alertId })).map((e) => e.type)).toEqual(["raised"]);
    }
    // Still open (in the duty console), at tier 0.
    expect(
      h.notifier
        .openAlerts()
        .filter((s) => s.alertId !== "pm25")
        .map((s) => [s.alertId, s.status, s.tier, s.notifications])
        .sort(),
    ).toEqual([
      ["dq-unrouted", "open", 0, 1],
      ["info-duty", "open", 0, 1],
      ["noi", "open", 0, 1],
    ]);
    await waitFor(() => h.smtp.mails.length === 10, { what: "pm25's reminders and escalation" });
    expect(h.smtp.mails.filter((m) => !(m.text ?? "").includes("pm25"))).toHaveLength(1);
  });

  it("does not chase an alert whose routes deliver no reminder or escalation, even to a channel", async () => {
    const h = await setup({
      routes: [
        { name: "duty", channels: ["*"] },
        // Only the raise, on e-mail: nothing to remind or escalate on this route.
        { name: "raise-only", channels: ["email"], events: ["raised", "level_changed"] },
        // Reminders, but no escalation.
        { name: "remind-only", channels: ["email"], events: ["raised", "renotified"] },
      ],
    });
    await h.publish(
      { ...raised("raise-only"), routes: ["raise-only"] },
      { ...raised("remind-only"), routes: ["remind-only"] },
    );
    await waitFor(() => h.smtp.mails.length === 2, { what: "the raised e-mails" });
    await h.run(60);
    expect(chasing(h.feed, "raise-only")).toEqual([]);
    expect(chasing(h.feed, "remind-only").map((e) => e.id)).toEqual([
      "remind-only:renotified:1",
      "remind-only:renotified:2",
      "remind-only:renotified:3",
      "remind-only:renotified:4",
    ]);
  });
});

/** A heavy-pollution warning on the duty route (the shipped rule's route), as the rules engine words it. */
function warning(
  type: "raised" | "level_changed",
  level: "orange" | "red",
  at: number,
  aqi: number,
  held: boolean,
  options: { storedBeforeConditionHolds?: boolean } = {},
) {
  const colour = { orange: { zh: "橙色", en: "orange" }, red: { zh: "红色", en: "red" } }[level];
  const from = level === "red" ? "orange" : "red";
  const change =
    type === "level_changed"
      ? { zh: `（级别 ${from} → ${level}）`, en: ` (level ${from} → ${level})` }
      : { zh: "", en: "" };
  // packages/rules engine.ts ongoingText: a level its AQI no longer meets is held while it steps down.
  const tail = held
    ? {
        zh: `仍在持续，自 11月28日 09:00（北京时间）起；低于${colour.zh}条件满12小时降为黄色，连续36小时不满足黄色条件方解除`,
        en: `ongoing since 28 Nov 09:00 Beijing time; drops to yellow after 12 h below the ${colour.en} condition, released only after 36 h without the yellow condition`,
      }
    : { zh: "开始于 11月28日 09:00（北京时间）", en: "since 28 Nov 09:00 Beijing time" };
  const { threshold: _limit, ...base } = raised("hpw");
  return {
    ...base,
    id: type === "raised" ? "hpw:raised" : `hpw:level_changed:${level}:${at}`,
    type,
    at: new Date(at).toISOString(),
    ruleId: "heavy-pollution-warning",
    severity: "critical",
    level,
    metric: "aqi",
    value: aqi,
    window: "24-h rolling",
    ...(type === "raised" ? { routes: ["duty"], tier: 0 } : {}),
    // The rules engine sets it on raises and level changes; events stored before it have none.
    ...(options.storedBeforeConditionHolds === true ? {} : { conditionHolds: !held }),
    message: {
      zh: `【严重】莲都监测站：重污染天气${change.zh}。24小时滑动AQI ${aqi}；预警方案 2024（暂定）；${tail.zh}。`,
      en: `[critical] Liandu station: Heavy pollution${change.en}. 24-h rolling AQI ${aqi}; warning preset 2024 (provisional); ${tail.en}.`,
    },
  } satisfies AlertEvent;
}

describe("a heavy-pollution warning held at a level while it steps down", () => {
  it("is neither reminded nor escalated after a step-down whose condition no longer holds; a step-down still met and a rise are", async () => {
    const h = await setup();
    await h.publish(warning("raised", "red", T0, 320, false));
    await h.run(30);
    expect(chasing(h.feed, "hpw").map((e) => e.id)).toEqual(["hpw:renotified:1", "hpw:escalated:1"]);

    // Red → orange while orange's condition still holds (AQI 240): a real ongoing problem.
    await h.publish(warning("level_changed", "orange", h.now(), 240, false));
    await h.run(15);
    expect(chasing(h.feed, "hpw").map((e) => e.id)).toContain("hpw:renotified:2");

    // Orange held at AQI 65: the rules engine says it is only ongoing until released.
    const held = warning("level_changed", "orange", h.now() + 10 * MIN, 65, true);
    expect(held.conditionHolds).toBe(false);
    const before = chasing(h.feed, "hpw").length;
    await h.run(10);
    await h.publish(held);
    await h.run(12 * 60);
    expect(chasing(h.feed, "hpw")).toHaveLength(before);
    expect(h.notifier.openAlerts().map((s) => [s.alertId, s.level, s.status])).toEqual([
      ["hpw", "orange", "open"],
    ]);

    // The AQI rises again to red: reminders and escalation count from the rise.
    const rise = h.now();
    await h.publish(warning("level_changed", "red", rise, 310, false));
    await h.run(15);
    const after = chasing(h.feed, "hpw").slice(before);
    expect(after.map((e) => [e.type, Date.parse(e.at) - rise])).toEqual([["renotified", 15 * MIN]]);
  });
});

describe("a held warning whose events were stored before conditionHolds existed", () => {
  it("is read from the rules engine's message text: not chased while held, chased again from a rise", async () => {
    const old = { storedBeforeConditionHolds: true };
    const h = await setup();
    await h.publish(warning("raised", "red", T0, 320, false, old));
    await h.run(15);
    expect(chasing(h.feed, "hpw").map((e) => e.id)).toEqual(["hpw:renotified:1"]);

    await h.publish(warning("level_changed", "orange", h.now(), 65, true, old));
    const before = chasing(h.feed, "hpw").length;
    await h.run(3 * 60);
    expect(chasing(h.feed, "hpw")).toHaveLength(before);

    await h.publish(warning("level_changed", "red", h.now(), 310, false, old));
    await h.run(15);
    expect(
      chasing(h.feed, "hpw")
        .slice(before)
        .map((e) => e.type),
    ).toEqual(["renotified"]);
  });

  it("the field, where present, decides over the text", () => {
    const heldText = warning("level_changed", "orange", T0, 65, true, { storedBeforeConditionHolds: true });
    expect(heldText.conditionHolds).toBeUndefined();
    expect(conditionEnded(heldText)).toBe(true);
    expect(conditionEnded({ ...heldText, conditionHolds: true })).toBe(false);
    const plain = warning("level_changed", "orange", T0, 240, false);
    expect(conditionEnded(plain)).toBe(false);
    expect(conditionEnded({ ...plain, conditionHolds: false })).toBe(true);
  });
});
