import { type AlertEvent, createStationRegistry, foldAlertEvents } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { dingtalkSign, webhookResponseError, webhookUrl, wecomPayload } from "./channels/webhook.ts";
import { renderAlert } from "./render.ts";
import { acknowledged, raised, registry } from "./testdata/harness.ts";

describe("renderAlert", () => {
  it("renders water details, levels and district-wide alerts", () => {
    const event: AlertEvent = {
      ...raised(),
      stationId: "district",
      level: "orange",
      severity: "critical",
      metric: "aqi",
      value: 235,
      threshold: 200,
      details: [{ metric: "nh3n", value: 1.4, limit: 1, note: "IV类 Class IV" }],
    };
    const [state] = foldAlertEvents([event]);
    if (state === undefined) throw new Error("no state");
    const n = renderAlert(event, state, [], { registry, publicUrl: "http://x" });
    expect(n.text).toContain("地点 Where: 全区 / district-wide");
    expect(n.text).toContain("级别 level 橙色 / orange");
    expect(n.title).toEqual({
      zh: "【建议橙色预警】全区 重污染天气 AQI 235 · 新告警",
      en: "[Orange warning suggested] district-wide: heavy pollution, AQI 235 · New alert",
    });
    expect(n.text).toContain(
      "实测 Measured: 235（空气质量指数 Air Quality Index，24h rolling）；阈值 threshold 200；",
    );
    expect(n.text).toContain(
      "明细 Detail: 氨氮 / Ammonia nitrogen: 1.4 mg/L (限值 limit 1 mg/L) IV类 Class IV",
    );
    expect(n.link).toBe("http://x/dashboard/#alerts");
    const { threshold: _noThreshold, ...base } = raised("w1");
    const water: AlertEvent = {
      ...base,
      ruleId: "water-below-target",
      metric: "water_class",
      level: "IV",
      value: 1.4,
      window: "latest value",
      standard: "GB 3838-2002 Table 1; 环办〔2011〕22号 single-factor method",
      details: [{ metric: "nh3n", value: 1.4, limit: 1, note: "Class IV; target Class III" }],
    };
    const [ws] = foldAlertEvents([water]);
    if (ws === undefined) throw new Error("no state");
    const w = renderAlert(water, ws, [], { registry, publicUrl: "http://x" });
    expect(w.title.zh).toBe("【警告】莲都监测站（万象街道） 水质 IV类 · 新告警");
    expect(w.text.split("\n")).toContain(
      "事件 Event: 新告警 / New alert（警告 warning，级别 level IV类 / Class IV）",
    );
    expect(w.text.split("\n")).toContain(
      "实测 Measured: 水质 IV类 water quality Class IV；标准 standard GB 3838-2002 Table 1; 环办〔2011〕22号 single-factor method",
    );
    expect(n.apiLink).toBe("http://x/api/v1/alerts/a1");
  });
});

describe("NOI grades in the subject", () => {
  it("names a bureau table's grade by its name, not its id with 级; a roman grade keeps 级", () => {
    const scheme = {
      id: "bureau-2027",
      source: "bureau table",
      provisional: false,
      grades: [
        { grade: "fresh", min: 2100, zh: "非常清新", en: "very fresh", color: "#00a651" },
        { grade: "ordinary", min: 0, zh: "一般", en: "ordinary", color: "#ffd700" },
      ],
    };
    const title = (level: string, noiScheme?: typeof scheme) => {
      const event: AlertEvent = { ...raised(), metric: "noi", level, value: 2500, severity: "info" };
      const [state] = foldAlertEvents([event]);
      if (state === undefined) throw new Error("no state");
      return renderAlert(event, state, [], {
        registry,
        publicUrl: "http://x",
        ...(noiScheme ? { noiScheme } : {}),
      }).title;
    };
    expect(title("fresh", scheme).zh).toContain(" 负氧离子 非常清新 · 新告警");
    expect(title("fresh", scheme).en).toContain(": negative oxygen ions very fresh · New alert");
    expect(title("II").zh).toContain(" 负氧离子 II级 · 新告警");
    expect(title("II").en).toContain(": negative oxygen ions grade II · New alert");
  });
});

describe("times in the e-mail body", () => {
  it("are Beijing times as people read them, the year only when not the event's", () => {
    const [state] = foldAlertEvents([raised()]);
    if (state === undefined) throw new Error("no state");
    const text = renderAlert(raised(), state, [], { registry, publicUrl: "http://x" }).text;
    expect(text.split("\n")).toContain(
      "开始时间 Started: 11月28日 09:00 / 28 Nov 09:00 北京时间 (Beijing time, UTC+8)",
    );

    // Started 22:00 on New Year's Eve; acknowledged and resolved in the new year (01:30 UTC+8
    // on 1 Jan is still 31 Dec in UTC).
    const newYear = Date.parse("2027-01-01T01:30:00+08:00");
    const start = {
      ...raised("ny"),
      at: "2026-12-31T22:00:00+08:00",
      startedAt: "2026-12-31T22:00:00+08:00",
    };
    const ack = { ...acknowledged("ny", newYear), startedAt: start.startedAt };
    const resolved: AlertEvent = {
      ...start,
      id: "ny:resolved",
      type: "resolved",
      at: new Date(newYear + 3 * 3_600_000).toISOString(),
      // The data hour that ended it, still in the old year: late data processed after New Year.
      dataTime: "2026-12-31T23:00:00+08:00",
    };
    const states = foldAlertEvents([start, ack, resolved]);
    const after = states[0];
    if (after === undefined) throw new Error("no state");
    const ackLines = renderAlert(ack, after, [], { registry, publicUrl: "http://x" }).text.split("\n");
    expect(ackLines).toContain(
      "开始时间 Started: 2026年12月31日 22:00 / 31 Dec 2026 22:00 北京时间 (Beijing time, UTC+8)",
    );
    expect(ackLines.find((l) => l.startsWith("确认 Acknowledged"))).toMatch(
      /\(1月1日 01:30 \/ 1 Jan 01:30 北京时间 Beijing time\)$/,
    );
    const resolvedLines = renderAlert(resolved, after, [], { registry, publicUrl: "http://x" }).text.split(
      "\n",
    );
    expect(resolvedLines).toContain(
      "解除时间 Resolved: 2026年12月31日 23:00 / 31 Dec 2026 23:00 北京时间 (Beijing time, 数据时间 data time)",
    );
    expect(resolvedLines).toContain("处理时间 Processed: 1月1日 04:30 / 1 Jan 04:30 北京时间 (Beijing time)");
    for (const line of [...ackLines, ...resolvedLines])
      if (!line.includes("http")) expect(line).not.toMatch(/\d{4}-\d\d-\d\d/);
  });
});

describe("alert titles (e-mail subjects)", () => {
  const towns = createStationRegistry([
    {
      id: "ld-aq-09",
      name: { zh: "雅溪镇", en: "Yaxi Town" },
      kind: "air",
      location: { lat: 28.5, lon: 119.8 },
      township: "雅溪镇",
    },
    {
      id: "ld-noi-01",
      name: { zh: "白云森林公园", en: "Baiyun Forest Park" },
      kind: "noi",
      location: { lat: 28.5, lon: 119.9 },
      township: "白云街道",
    },
  ]);
  const title = (e: Partial<AlertEvent>) => {
    const event: AlertEvent = { ...raised(), ...e };
    const [state] = foldAlertEvents([event]);
    if (state === undefined) throw new Error("no state");
    return renderAlert(event, state, [], { registry: towns, publicUrl: "http://x" }).title;
  };

  it.each([
    [
      "a GB 3095 daily exceedance: the code, window and value rounded to 0.1",
      { stationId: "ld-aq-09", metric: "pm10", value: 155.625, window: "Beijing calendar day" },
      "【警告】雅溪镇 PM10 日值 155.6 µg/m³ · 新告警",
      "[Warning] Yaxi Town: PM10 daily 155.6 µg/m³ · New alert",
    ],
    [
      "the PM2.5 annual target",
      { stationId: "ld-aq-09", metric: "pm25", value: 36, window: "year to date", level: "at_risk" },
      "【警告】雅溪镇 PM2.5 年初至今均值 36 µg/m³ · 新告警",
      "[Warning] Yaxi Town: PM2.5 year-to-date mean 36 µg/m³ · New alert",
    ],
    [
      "a heavy-pollution warning level change",
      {
        stationId: "ld-aq-09",
        type: "raised",
        metric: "aqi",
        value: 235,
        level: "orange",
        severity: "critical",
      },
      "【建议橙色预警】雅溪镇 重污染天气 AQI 235 · 新告警",
      "[Orange warning suggested] Yaxi Town: heavy pollution, AQI 235 · New alert",
    ],
    [
      "a NOI grade",
      {
        stationId: "ld-noi-01",
        metric: "noi",
        value: 800,
        level: "II",
        severity: "info",
        window: "1-h mean",
      },
      "【提示】白云森林公园（白云街道） 负氧离子 II级 · 新告警",
      "[Info] Baiyun Forest Park: negative oxygen ions grade II · New alert",
    ],
  ] as const)("%s", (_what, event, zh, en) => {
    expect(title(event as Partial<AlertEvent>)).toEqual({ zh, en });
  });

  it("the Where row names a station named after its township once (雅溪镇, not 雅溪镇（雅溪镇）)", () => {
    const event: AlertEvent = { ...raised(), stationId: "ld-aq-09" };
    const [state] = foldAlertEvents([event]);
    if (state === undefined) throw new Error("no state");
    const lines = renderAlert(event, state, [], { registry: towns, publicUrl: "http://x" }).text.split("\n");
    expect(lines).toContain("地点 Where: 雅溪镇 / Yaxi Town (雅溪镇), station ld-aq-09");
  });

  it("a heavy-pollution level is a suggestion from observed data, never a warning issued (standards heavy-pollution-warning.md §3)", () => {
    const raise: AlertEvent = { ...raised("hp"), stationId: "ld-aq-09", metric: "aqi", level: "orange" };
    const change: AlertEvent = {
      ...raise,
      id: "hp:level_changed",
      type: "level_changed",
      level: "red",
      value: 320,
      at: new Date(Date.parse(raise.at) + 3_600_000).toISOString(),
    };
    const state = foldAlertEvents([raise, change])[0];
    if (state === undefined) throw new Error("no state");
    const t = renderAlert(change, state, [], { registry: towns, publicUrl: "http://x" }).title;
    expect(t).toEqual({
      zh: "【建议红色预警】雅溪镇 重污染天气 AQI 320 · 告警级别变化",
      en: "[Red warning suggested] Yaxi Town: heavy pollution, AQI 320 · Alert level changed",
    });
    for (const level of ["blue", "yellow", "orange", "red"]) {
      const { zh, en } = title({ metric: "aqi", level });
      expect(zh).not.toMatch(/【[蓝黄橙红]色预警】/);
      expect(en).not.toMatch(/ warning\]/);
    }
  });
});

describe("webhook formats", () => {
  it("signs DingTalk URLs with timestamp and HmacSHA256 sign", () => {
    const url = new URL(
      webhookUrl(
        {
          name: "d",
          format: "dingtalk",
          url: "https://oapi.example/robot/send?access_token=t",
          secret: "SECabc",
          timeoutMs: 1,
        },
        1_700_000_000_000,
      ),
    );
    expect(url.searchParams.get("access_token")).toBe("t");
    expect(url.searchParams.get("timestamp")).toBe("1700000000000");
    expect(url.searchParams.get("sign")).toBe(dingtalkSign("SECabc", 1_700_000_000_000));
    expect(dingtalkSign("SECabc", 1_700_000_000_000)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it("classifies robot answers: HTTP status and errcode", () => {
    expect(webhookResponseError("json", 200, "")).toBeUndefined();
    expect(webhookResponseError("json", 500, "boom")).toBe("HTTP 500: boom");
    expect(webhookResponseError("dingtalk", 200, '{"errcode":0,"errmsg":"ok"}')).toBeUndefined();
    expect(webhookResponseError("dingtalk", 200, '{"errcode":310000,"errmsg":"sign not match"}')).toBe(
      "errcode 310000: sign not match",
    );
    expect(webhookResponseError("wecom", 200, "<html>")).toMatch(/unexpected wecom response/);
  });

  it("keeps WeCom markdown within 4096 bytes without cutting a character", () => {
    const long = "告".repeat(3000);
    const payload = wecomPayload({
      id: "x",
      kind: "summary",
      tier: 0,
      recipients: [],
      title: { zh: "t", en: "t" },
      text: long,
      markdown: long,
      link: "http://x/api/v1/alerts/a",
    }) as { markdown: { content: string } };
    expect(Buffer.byteLength(payload.markdown.content, "utf8")).toBeLessThanOrEqual(4096);
    expect(payload.markdown.content).not.toContain("\uFFFD");
    expect(payload.markdown.content.endsWith("(http://x/api/v1/alerts/a)")).toBe(true);
  });
});
