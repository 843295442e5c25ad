import { join } from "node:path";
import type { AlertEvent } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { rosterSchema } from "./config.ts";
import { buildDailySummary, buildHandoverSummary, type SummaryContext } from "./summaries.ts";
import { cleanupAfterEach, ROSTER, raised, registry, startStore, tempDir } from "./testdata/harness.ts";

const cleanup = cleanupAfterEach();
const at = (iso: string) => Date.parse(iso);
/** The old style ("2026-11-28 10:00"), which the summaries no longer write. */
const ISO_MINUTE = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}/;

async function context(events: readonly AlertEvent[]): Promise<SummaryContext> {
  const store = await startStore(join(await tempDir(cleanup), "q.duckdb"), cleanup);
  await store.writeAlertEvents(events);
  return { store, registry, roster: rosterSchema.parse(ROSTER), publicUrl: "https://qingshan.test" };
}

describe("summaries write times as the alert texts do (Beijing time, 11月28日 10:00 / 28 Nov 10:00)", () => {
  it("handover: title, the past shift's span and each alert's start", async () => {
    const ctx = await context([raised("a1", at("2026-11-28T10:00:00+08:00"))]);
    const n = await buildHandoverSummary(at("2026-11-28T20:00:00+08:00"), ctx);
    expect(n.id).toBe("handover:202611282000");
    expect(n.title).toEqual({
      zh: "交接班小结 11月28日 20:00（北京时间）",
      en: "Shift handover 28 Nov 20:00 Beijing time",
    });
    expect(n.text).toContain(
      "交班 Outgoing shift: day（11月28日 08:00 – 11月28日 20:00（北京时间）/ 28 Nov 08:00 – 28 Nov 20:00 Beijing time）",
    );
    // raised() starts the episode at 09:00 Beijing time.
    expect(n.text).toContain("开始于 11月28日 09:00（北京时间）/ since 28 Nov 09:00 Beijing time");
    expect(n.text).not.toMatch(ISO_MINUTE);
    expect(n.markdown).not.toMatch(ISO_MINUTE);
  });

  it("handover after New Year: times of the old year carry it, those of the summary's year do not", async () => {
    const ctx = await context([
      { ...raised("ny", at("2026-12-31T22:30:00+08:00")), startedAt: "2026-12-31T22:00:00+08:00" },
    ]);
    const n = await buildHandoverSummary(at("2027-01-01T08:00:00+08:00"), ctx);
    expect(n.title.en).toBe("Shift handover 1 Jan 08:00 Beijing time");
    expect(n.text).toContain(
      "2026年12月31日 20:00 – 1月1日 08:00（北京时间）/ 31 Dec 2026 20:00 – 1 Jan 08:00 Beijing time",
    );
    expect(n.text).toContain("开始于 2026年12月31日 22:00（北京时间）/ since 31 Dec 2026 22:00 Beijing time");
    expect(n.text).not.toMatch(ISO_MINUTE);
  });

  it("daily: open alerts' starts", async () => {
    const ctx = await context([raised("a1", at("2026-11-27T15:00:00+08:00"))]);
    const n = await buildDailySummary(at("2026-11-28T08:00:00+08:00"), ctx, ["pm25"]);
    expect(n.text).toContain("Open alerts: 1");
    expect(n.text).toContain("开始于 11月28日 09:00（北京时间）/ since 28 Nov 09:00 Beijing time");
    expect(n.text).not.toMatch(ISO_MINUTE);
  });

  it("a calendar-window alert starts on the day (or month) assessed, not at the day's end instant", async () => {
    const dayEnd = "2026-11-26T00:00:00+08:00";
    const ctx = await context([
      {
        ...raised("day", at(dayEnd)),
        window: "Beijing calendar day",
        calendarWindow: "day",
        startedAt: dayEnd,
      },
      {
        ...raised("month", at("2026-12-01T00:00:00+08:00")),
        window: "calendar month",
        calendarWindow: "month",
        startedAt: "2026-12-01T00:00:00+08:00",
      },
    ]);
    const n = await buildHandoverSummary(at("2026-12-01T08:00:00+08:00"), ctx);
    expect(n.text).toContain("开始于 11月25日（北京时间）/ since 25 Nov Beijing time");
    expect(n.text).toContain("开始于 2026年11月（北京时间）/ since Nov 2026 Beijing time");
    expect(n.text).not.toContain("11月26日 00:00");
    expect(n.text).not.toContain("12月1日 00:00");
  });
});
