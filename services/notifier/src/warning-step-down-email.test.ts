// A heavy-pollution warning stepping down (heavy-pollution-warning.md §3: a level is released one
// step at a time) and its all-clear: the subjects must not read as a new suggestion to issue a
// warning, and an all-clear's subject and times agree with its Resolution line.
import type { AlertEvent, WarningPath } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import { ROUTE_EVENT_TYPES } from "./config.ts";
import { cleanupAfterEach, MIN, publishAlerts, startNotifier, T0 } from "./testdata/harness.ts";
import { startMailRig } from "./testdata/mail-rig.ts";

const cleanup = cleanupAfterEach();

const COLOUR_ZH = { yellow: "黄色", orange: "橙色", red: "红色" } as const;
type Colour = keyof typeof COLOUR_ZH;

/** A heavy-pollution warning event of one episode, texts shortened from the rule engine's. */
function warningEvent(
  alertId: string,
  type: "raised" | "level_changed" | "resolved" | "renotified" | "escalated",
  level: Colour,
  value: number,
  dataTime: string,
  at: number,
  extra: Partial<AlertEvent> = {},
  path: WarningPath = "warning",
): AlertEvent {
  return {
    id: `${alertId}:${type}:${level}:${dataTime}`,
    alertId,
    type,
    at: new Date(at).toISOString(),
    ruleId: "heavy-pollution-warning",
    stationId: "ld-aq-01",
    severity: level === "red" ? "critical" : "warning",
    level,
    metric: "aqi",
    value,
    window: "24-h rolling",
    startedAt: "2026-11-27T06:00:00+08:00",
    dataTime,
    path,
    message:
      type === "resolved"
        ? {
            zh: `【已解除】莲都监测站：重污染天气（实测建议级别，非正式发布）。24小时滑动AQI ${value}；开始于 11月27日 06:00，解除于 11月28日 18:00（北京时间）。`,
            en: `[resolved] Liandu station: Heavy pollution (level suggested from observed data, not an issued warning). 24-h rolling AQI ${value}; started 27 Nov 06:00, resolved at 28 Nov 18:00 Beijing time.`,
          }
        : {
            zh: `【警告】莲都监测站：重污染天气（${COLOUR_ZH[level]}预警级别）。24小时滑动AQI ${value}。`,
            en: `[warning] Liandu station: Heavy pollution (${level} level). 24-h rolling AQI ${value}.`,
          },
    ...(type === "raised" ? { routes: ["duty"], tier: 0 } : {}),
    ...(type === "raised" || type === "level_changed" ? { conditionHolds: true } : {}),
    ...extra,
  };
}

/**
 * A notifier mailing every event type to the duty route through a real SMTP server, its clock at
 * each event's time; publishes `steps` one at a time, each once the previous one's mail came.
 */
async function mailInTurn(steps: readonly AlertEvent[]) {
  const { store, bus, smtp, mailConfig } = await startMailRig(cleanup);
  let t = T0;
  const config = mailConfig(
    {
      renotifyMinutes: 0,
      escalateAfterMinutes: 0,
      routes: [{ name: "duty", channels: ["email"], events: [...ROUTE_EVENT_TYPES] }],
    },
    { timeoutMs: 5_000 },
  );
  await startNotifier(cleanup, config, { bus, store, now: () => t });
  for (const [i, e] of steps.entries()) {
    t = Date.parse(e.at);
    await publishAlerts(bus, e);
    await waitFor(() => smtp.mails.length === i + 1, { what: `e-mail ${i + 1}` });
  }
  return smtp;
}

describe("a heavy-pollution warning's level changes and all-clear by e-mail", () => {
  it("an escalation suggests the colour; a step-down names both colours and the value; the all-clear carries the resolving value and the level it leaves", async () => {
    const a = "heavy-pollution-warning:ld-aq-01:2026-11-27T06:00:00+08:00";
    const steps: AlertEvent[] = [
      warningEvent(a, "raised", "orange", 260, "2026-11-28T06:00:00+08:00", T0),
      warningEvent(a, "level_changed", "red", 320, "2026-11-28T09:00:00+08:00", T0 + MIN),
      // Held at orange while stepping down (the condition of orange no longer holds).
      warningEvent(a, "level_changed", "orange", 76, "2026-11-28T15:00:00+08:00", T0 + 2 * MIN, {
        conditionHolds: false,
      }),
      // Processed days after its data time (a replay or late data).
      warningEvent(
        a,
        "resolved",
        "orange",
        82,
        "2026-11-28T18:00:00+08:00",
        T0 + 2 * MIN + 3 * 24 * 60 * MIN,
      ),
    ];
    const smtp = await mailInTurn(steps);
    expect(smtp.mails.map((m) => m.subject)).toEqual([
      "[青山 Qingshan] 【建议橙色预警】莲都监测站（万象街道） 重污染天气 AQI 24小时滑动值 260 · 新告警 | [Orange warning suggested] Liandu station: heavy pollution, AQI 24-h rolling 260 · New alert",
      "[青山 Qingshan] 【建议红色预警】莲都监测站（万象街道） 重污染天气 AQI 24小时滑动值 320 · 告警级别变化 | [Red warning suggested] Liandu station: heavy pollution, AQI 24-h rolling 320 · Alert level changed",
      "[青山 Qingshan] 【重污染天气 红色→橙色 逐级解除中】莲都监测站（万象街道） AQI 24小时滑动值 76 · 告警级别变化 | [Heavy pollution red→orange, stepping down] Liandu station: AQI 24-h rolling 76 · Alert level changed",
      "[青山 Qingshan] 【重污染天气】莲都监测站（万象街道） AQI 24小时滑动值 82 · 告警已解除（此前建议橙色预警） | [Heavy pollution] Liandu station: AQI 24-h rolling 82 · Alert resolved (was orange warning suggested)",
    ]);
    const allClear = smtp.mails[3]?.text?.split("\n") ?? [];
    expect(allClear).toContain(
      "解除时间 Resolved: 11月28日 18:00 / 28 Nov 18:00 北京时间 (Beijing time, 数据时间 data time)",
    );
    expect(allClear).toContain("处理时间 Processed: 12月1日 10:02 / 1 Dec 10:02 北京时间 (Beijing time)");
  });

  it("reminders and escalations of a warning held while it steps down say so; the all-clear's What is the resolution's message", async () => {
    const a = "heavy-pollution-warning:ld-aq-01:2026-11-27T06:00:00+08:00";
    const ongoing = {
      zh: "【警告】莲都监测站：重污染天气（橙色预警级别）。24小时滑动AQI 76。仍在持续，自 11月27日 06:00（北京时间）起；连续36小时不满足黄色条件方解除",
      en: "[warning] Liandu station: Heavy pollution (orange level). 24-h rolling AQI 76; ongoing since 27 Nov 06:00 Beijing time; released only after 36 h below yellow",
    };
    // Reminders and escalations from the bus (a peer notifier's, or one due as the step-down came in).
    const steps: AlertEvent[] = [
      warningEvent(a, "raised", "red", 320, "2026-11-28T06:00:00+08:00", T0),
      warningEvent(a, "escalated", "red", 320, "2026-11-28T06:00:00+08:00", T0 + MIN, { tier: 1 }),
      warningEvent(a, "level_changed", "orange", 76, "2026-11-28T15:00:00+08:00", T0 + 2 * MIN, {
        conditionHolds: false,
        message: ongoing,
      }),
      warningEvent(a, "renotified", "orange", 76, "2026-11-28T15:00:00+08:00", T0 + 3 * MIN, {
        message: ongoing,
      }),
      warningEvent(a, "escalated", "orange", 76, "2026-11-28T15:00:00+08:00", T0 + 4 * MIN, {
        tier: 2,
        message: ongoing,
      }),
      warningEvent(a, "resolved", "orange", 82, "2026-11-29T18:00:00+08:00", T0 + 5 * MIN),
    ];
    const smtp = await mailInTurn(steps);
    const subjects = smtp.mails.map((m) => m.subject);
    expect(subjects[1]).toBe(
      "[青山 Qingshan] 【建议红色预警】莲都监测站（万象街道） 重污染天气 AQI 24小时滑动值 320 · 告警升级 → 第1级 | [Red warning suggested] Liandu station: heavy pollution, AQI 24-h rolling 320 · Alert escalated → tier 1",
    );
    expect(subjects[3]).toBe(
      "[青山 Qingshan] 【重污染天气 橙色 逐级解除中】莲都监测站（万象街道） AQI 24小时滑动值 76 · 告警重复提醒 | [Heavy pollution orange, stepping down] Liandu station: AQI 24-h rolling 76 · Alert reminder",
    );
    expect(subjects[4]).toBe(
      "[青山 Qingshan] 【重污染天气 橙色 逐级解除中】莲都监测站（万象街道） AQI 24小时滑动值 76 · 告警升级 → 第2级 | [Heavy pollution orange, stepping down] Liandu station: AQI 24-h rolling 76 · Alert escalated → tier 2",
    );
    const what = (i: number) => smtp.mails[i]?.text?.split("\n").find((l) => l.startsWith("内容 What:"));
    // The all-clear's What is the resolution's message, not the hold's "仍在持续…方解除".
    expect(what(5)).toBe(`内容 What: ${steps[5]?.message.zh} / ${steps[5]?.message.en}`);
  });

  it("a held health advisory's reminder says it steps down", async () => {
    const a = "heavy-pollution-warning:ld-aq-01:2026-11-27T06:00:00+08:00";
    const steps: AlertEvent[] = [
      warningEvent(a, "raised", "red", 320, "2026-11-28T06:00:00+08:00", T0, {}, "healthAdvisory"),
      warningEvent(
        a,
        "level_changed",
        "orange",
        150,
        "2026-11-28T15:00:00+08:00",
        T0 + MIN,
        { conditionHolds: false },
        "healthAdvisory",
      ),
      warningEvent(
        a,
        "renotified",
        "orange",
        150,
        "2026-11-28T15:00:00+08:00",
        T0 + 2 * MIN,
        {},
        "healthAdvisory",
      ),
    ];
    const smtp = await mailInTurn(steps);
    expect(smtp.mails[2]?.subject).toBe(
      "[青山 Qingshan] 【健康提示 橙色级别 逐级解除中】莲都监测站（万象街道） AQI 24小时滑动值 150 · 告警重复提醒 | [Health advisory orange level, stepping down] Liandu station: AQI 24-h rolling 150 · Alert reminder",
    );
  });

  it("on the health-advisory path keeps 【健康提示】 and says the step-down", async () => {
    const a = "heavy-pollution-warning:ld-aq-01:2026-11-27T06:00:00+08:00";
    const steps: AlertEvent[] = [
      warningEvent(a, "raised", "orange", 260, "2026-11-28T06:00:00+08:00", T0, {}, "healthAdvisory"),
      warningEvent(
        a,
        "level_changed",
        "yellow",
        150,
        "2026-11-28T15:00:00+08:00",
        T0 + MIN,
        { conditionHolds: false },
        "healthAdvisory",
      ),
      warningEvent(
        a,
        "resolved",
        "yellow",
        90,
        "2026-11-28T18:00:00+08:00",
        T0 + 2 * MIN,
        {},
        "healthAdvisory",
      ),
    ];
    const smtp = await mailInTurn(steps);
    expect(smtp.mails.map((m) => m.subject)).toEqual([
      "[青山 Qingshan] 【健康提示】莲都监测站（万象街道） 重污染天气 橙色级别 AQI 24小时滑动值 260 · 新告警 | [Health advisory] Liandu station: heavy pollution, orange level, AQI 24-h rolling 260 · New alert",
      "[青山 Qingshan] 【健康提示 橙色→黄色 逐级解除中】莲都监测站（万象街道） AQI 24小时滑动值 150 · 告警级别变化 | [Health advisory orange→yellow, stepping down] Liandu station: AQI 24-h rolling 150 · Alert level changed",
      "[青山 Qingshan] 【健康提示】莲都监测站（万象街道） 重污染天气 AQI 24小时滑动值 90 · 告警已解除（此前黄色级别） | [Health advisory] Liandu station: heavy pollution, AQI 24-h rolling 90 · Alert resolved (was yellow level)",
    ]);
  });
});
