import { NOI_CANDIDATE_A } from "@qingshan/standards";
import { describe, expect, it } from "vitest";
import { noiLegendHtml } from "../public/js/map.js";

// A bureau's own table (qingshan config noi.scheme) as /dashboard/standards.json serves it.
const BUREAU = {
  id: "lishui-fresh-air",
  title: { zh: "丽水清新空气三级", en: "Lishui fresh air, three grades" },
  provisional: false,
  source: "丽水市清新空气分级（局定）",
  grades: [
    { grade: "I", min: 2100, zh: "非常清新", en: "very fresh", color: "#00a651" },
    { grade: "II", min: 900, zh: "较清新", en: "rather fresh", color: "#ffd700" },
    { grade: "III", min: 0, zh: "一般", en: "ordinary", color: "#ed1c24" },
  ],
};

describe("noiLegendHtml", () => {
  it("says provisional for a provisional table (candidate A, shipped), with its title and grades", () => {
    const html = noiLegendHtml(NOI_CANDIDATE_A);
    expect(html).toContain("<small>(QX/T 380-2017 四级，暂定分级)</small>");
    expect(html).toContain(
      '<span class="swatch" style="background:#00a651;color:#000">I 非常有利于健康，空气清新</span>',
    );
  });

  it("does not for a bureau's table marked provisional: false; its grades in its names and colours", () => {
    const html = noiLegendHtml(BUREAU);
    expect(html).not.toContain("暂定");
    expect(html).toBe(
      "<b>▲ 负氧离子</b> " +
        '<span class="swatch" style="background:#00a651;color:#000">I 非常清新</span> ' +
        '<span class="swatch" style="background:#ffd700;color:#000">II 较清新</span> ' +
        '<span class="swatch" style="background:#ed1c24;color:#000">III 一般</span>' +
        " <small>(丽水清新空气三级)</small>",
    );
    // A table without a title and not provisional has no note; its texts are escaped.
    const { title: _title, ...untitled } = BUREAU;
    const plain = noiLegendHtml({
      ...untitled,
      grades: [{ ...BUREAU.grades[0], zh: "<b>清新</b>" }, ...BUREAU.grades.slice(1)],
    });
    expect(plain).not.toContain("<small>");
    expect(plain).toContain("I &lt;b&gt;清新&lt;/b&gt;</span>");
  });
});
