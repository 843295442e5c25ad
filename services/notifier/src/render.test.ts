import { type AlertEvent, foldAlertEvents } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { dingtalkSign, webhookResponseError, webhookUrl, wecomPayload } from "./channels/webhook.ts";
import { renderAlert } from "./render.ts";
import { raised, registry } from "./testdata/harness.ts";

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
      zh: "【橙色预警】全区 重污染天气 · 新告警",
      en: "[Orange warning] district-wide: heavy pollution · New alert",
    });
    expect(n.text).toContain(
      "实测 Measured: 235（空气质量指数 Air Quality Index，24h rolling）；阈值 threshold 200；",
    );
    expect(n.text).toContain(
      "明细 Detail: 氨氮 / Ammonia nitrogen: 1.4 mg/L (限值 limit 1 mg/L) IV类 Class IV",
    );
    expect(n.link).toBe("http://x/dashboard/#alerts");
    expect(n.apiLink).toBe("http://x/api/v1/alerts/a1");
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
