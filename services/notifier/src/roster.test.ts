import { describe, expect, it } from "vitest";
import { parseNotifierConfig, rosterSchema } from "./config.ts";
import {
  dutyGaps,
  lastShiftChange,
  maxTier,
  onDuty,
  onDutyUpTo,
  shiftChangeCrons,
  shiftsAt,
} from "./roster.ts";

const at = (s: string) => Date.parse(`${s}+08:00`);

// 2026-11-23 is a Monday.
const roster = rosterSchema.parse({
  people: [
    { id: "wang", name: "王工" },
    { id: "li", name: "李工" },
    { id: "zhao", name: "赵工" },
    { id: "chief", name: "科长" },
    { id: "director", name: "局长" },
  ],
  shifts: [
    {
      name: "weekday-day",
      days: ["mon", "tue", "wed", "thu", "fri"],
      start: "08:30",
      end: "17:30",
      tiers: [["wang"], ["chief"], ["director"]],
    },
    {
      name: "weekday-night",
      days: ["mon", "tue", "wed", "thu", "fri"],
      start: "17:30",
      end: "08:30",
      tiers: [["li"], ["chief"]],
    },
    { name: "weekend", days: ["sat", "sun"], start: "08:30", end: "08:30", tiers: [["zhao"], ["chief"]] },
  ],
});
const ids = (people: { id: string }[]) => people.map((p) => p.id);

describe("onDuty (Beijing time)", () => {
  it.each([
    ["2026-11-23T08:29:59", 0, ["zhao"]], // Sunday's 24-hour weekend shift runs until Monday 08:30
    ["2026-11-23T08:30:00", 0, ["wang"]],
    ["2026-11-23T17:29:59", 0, ["wang"]],
    ["2026-11-23T17:30:00", 0, ["li"]],
    ["2026-11-24T03:00:00", 0, ["li"]], // Monday night shift crosses midnight
    ["2026-11-24T03:00:00", 1, ["chief"]],
    ["2026-11-24T03:00:00", 2, []], // the night shift has no tier 2
    ["2026-11-23T10:00:00", 2, ["director"]],
    ["2026-11-28T03:00:00", 0, ["li"]], // Friday night runs into Saturday
    ["2026-11-28T08:30:00", 0, ["zhao"]],
    ["2026-11-29T23:59:00", 0, ["zhao"]],
  ] as const)("at %s tier %i → %j", (time, tier, expected) => {
    expect(ids(onDuty(roster, tier, at(time)))).toEqual(expected);
  });

  it("is independent of the machine's time zone: instants, not local clocks", () => {
    expect(ids(onDuty(roster, 0, Date.parse("2026-11-23T00:30:00Z")))).toEqual(["wang"]); // 08:30 Beijing
  });

  it("onDutyUpTo adds the lower tiers", () => {
    expect(ids(onDutyUpTo(roster, 1, at("2026-11-23T10:00:00")))).toEqual(["wang", "chief"]);
  });

  it("shiftsAt gives the occurrence bounds", () => {
    const [night] = shiftsAt(roster, at("2026-11-24T03:00:00"));
    expect(night?.shift.name).toBe("weekday-night");
    expect(night?.start).toBe(at("2026-11-23T17:30:00"));
    expect(night?.end).toBe(at("2026-11-24T08:30:00"));
  });

  it("maxTier is the deepest tier of any shift", () => {
    expect(maxTier(roster)).toBe(2);
  });
});

describe("shiftChangeCrons", () => {
  it("lists every start and end, ends of midnight-crossing shifts on the next weekday", () => {
    expect(shiftChangeCrons(roster)).toEqual(["30 8 * * 0,1,2,3,4,5,6", "30 17 * * 1,2,3,4,5"]);
  });

  it("the demo roster changes at 08:00 and 20:00 every day", () => {
    expect(shiftChangeCrons(parseNotifierConfig({}).roster)).toEqual([
      "0 8 * * 0,1,2,3,4,5,6",
      "0 20 * * 0,1,2,3,4,5,6",
    ]);
  });
});

describe("roster validation", () => {
  it("names an unknown person with its path", () => {
    expect(() =>
      parseNotifierConfig({
        roster: {
          people: [{ id: "a", name: "A" }],
          shifts: [{ name: "s", start: "08:00", end: "20:00", tiers: [["b"]] }],
        },
      }),
    ).toThrow(/roster\.shifts\.0\.tiers\.0\.0: "b" is not in roster\.people/);
  });

  it("rejects a time that is not HH:MM", () => {
    expect(() =>
      parseNotifierConfig({
        roster: {
          people: [{ id: "a", name: "A" }],
          shifts: [{ name: "s", start: "8:00", end: "20:00", tiers: [["a"]] }],
        },
      }),
    ).toThrow(/roster\.shifts\.0\.start/);
  });
});

describe("lastShiftChange (Beijing time)", () => {
  it.each([
    ["2026-11-23T08:30:00", "2026-11-23T08:30:00"], // weekend 24 h ends, weekday-day starts (Mon)
    ["2026-11-23T08:30:00.012", "2026-11-23T08:30:00"], // the cron a few ms late
    ["2026-11-23T08:29:59.999", "2026-11-22T08:30:00"], // Sunday's weekend shift started then
    ["2026-11-23T17:45:00", "2026-11-23T17:30:00"],
    ["2026-11-28T03:00:00", "2026-11-27T17:30:00"], // Fri night, before it ends Sat 08:30
    ["2026-11-28T08:30:00.500", "2026-11-28T08:30:00"], // Fri night ends, weekend starts
  ])("at %s: %s", (t, expected) => {
    expect(lastShiftChange(roster, at(t))).toBe(at(expected));
  });
});

describe("dutyGaps (Beijing time, every week)", () => {
  const people = [
    { id: "wang", name: "王工" },
    { id: "chief", name: "科长" },
  ];
  it("finds none when every hour of the week has a tier-0 officer", () => {
    expect(dutyGaps(roster)).toEqual([]);
  });
  it("names the nights and the weekend of a weekday day-shift roster, the weekend over the week's turn as one", () => {
    const weekdays = rosterSchema.parse({
      people,
      shifts: [
        {
          name: "day",
          days: ["mon", "tue", "wed", "thu", "fri"],
          start: "08:00",
          end: "20:00",
          tiers: [["wang"], ["chief"]],
        },
      ],
    });
    expect(dutyGaps(weekdays).map((g) => [g.from, g.to, g.minutes])).toEqual([
      ["mon 20:00", "tue 08:00", 720],
      ["tue 20:00", "wed 08:00", 720],
      ["wed 20:00", "thu 08:00", 720],
      ["thu 20:00", "fri 08:00", 720],
      ["fri 20:00", "mon 08:00", 60 * 60],
    ]);
    // No tier 2 at all: the whole week.
    expect(dutyGaps(weekdays, 2)).toEqual([{ from: "mon 00:00", to: "mon 00:00", minutes: 7 * 1440 }]);
  });
  it("a gap from Monday 00:00 that does not reach Sunday night stays on its own", () => {
    const late = rosterSchema.parse({
      people,
      shifts: [{ name: "d", start: "06:00", end: "00:00", tiers: [["wang"]] }],
    });
    expect(dutyGaps(late).map((g) => `${g.from}–${g.to}`)).toEqual([
      "mon 00:00–mon 06:00",
      "tue 00:00–tue 06:00",
      "wed 00:00–wed 06:00",
      "thu 00:00–thu 06:00",
      "fri 00:00–fri 06:00",
      "sat 00:00–sat 06:00",
      "sun 00:00–sun 06:00",
    ]);
  });
});
