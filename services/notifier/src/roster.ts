import { DAY_MS, HOUR_MS } from "@qingshan/domain";
import { type Person, type Roster, type Shift, WEEKDAYS, type Weekday } from "./config.ts";

const BEIJING_OFFSET_MS = 8 * HOUR_MS;
const MINUTE_MS = 60_000;

/** One occurrence of a shift: [start, end) in UTC ms. */
export interface ShiftOccurrence {
  readonly shift: Shift;
  readonly start: number;
  readonly end: number;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Shift length in minutes; end <= start crosses midnight (end == start is a 24-hour shift). */
function durationMinutes(shift: Shift): number {
  const d = minutesOf(shift.end) - minutesOf(shift.start);
  return d > 0 ? d : d + 1440;
}

/** Weekday of a Beijing calendar day given as days since the epoch (1970-01-01 was a Thursday). */
function weekdayOfDay(day: number): Weekday {
  return WEEKDAYS[(((day + 3) % 7) + 7) % 7] as Weekday;
}

/**
 * The shift occurrences covering instant `at` (UTC ms), in Beijing time. A shift is named by the
 * weekday it starts on: a Monday 20:00–08:00 shift covers Tuesday 03:00.
 *
 * @example
 * shiftsAt(roster, Date.parse("2026-11-24T03:00:00+08:00")) // [{ shift: night, start: Mon 20:00, end: Tue 08:00 }]
 */
export function shiftsAt(roster: Roster, at: number): ShiftOccurrence[] {
  const localDay = Math.floor((at + BEIJING_OFFSET_MS) / DAY_MS);
  const out: ShiftOccurrence[] = [];
  for (const shift of roster.shifts) {
    // A shift lasts at most 24 h, so only occurrences starting today or yesterday can cover `at`.
    for (const day of [localDay - 1, localDay]) {
      if (!shift.days.includes(weekdayOfDay(day))) continue;
      const start = day * DAY_MS - BEIJING_OFFSET_MS + minutesOf(shift.start) * MINUTE_MS;
      const end = start + durationMinutes(shift) * MINUTE_MS;
      if (start <= at && at < end) out.push({ shift, start, end });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * The latest shift change (a shift's start or end, Beijing time) at or before `at` (UTC ms), or
 * undefined when none falls in the 8 days before `at`. A handover run by the cron a few
 * milliseconds after 08:00 belongs to the 08:00 change, not to a zero-length stretch of the shift
 * that has just started.
 *
 * @example
 * lastShiftChange(roster, Date.parse("2026-11-30T08:00:00.012+08:00")) // Date.parse("2026-11-30T08:00:00+08:00")
 */
export function lastShiftChange(roster: Roster, at: number): number | undefined {
  const localDay = Math.floor((at + BEIJING_OFFSET_MS) / DAY_MS);
  let latest: number | undefined;
  for (const shift of roster.shifts) {
    for (let day = localDay - 8; day <= localDay; day++) {
      if (!shift.days.includes(weekdayOfDay(day))) continue;
      const start = day * DAY_MS - BEIJING_OFFSET_MS + minutesOf(shift.start) * MINUTE_MS;
      for (const t of [start, start + durationMinutes(shift) * MINUTE_MS])
        if (t <= at && (latest === undefined || t > latest)) latest = t;
    }
  }
  return latest;
}

/**
 * The people on duty at roster tier `tier` at instant `at` (UTC ms): the union over the shifts
 * covering `at` of their `tiers[tier]`, in roster order, each person once. Empty when no shift
 * covers `at` or no covering shift has that tier. Pure.
 *
 * @example
 * onDuty(roster, 0, Date.parse("2026-11-24T10:00:00+08:00")).map((p) => p.id) // ["demo-duty-day"]
 * onDuty(roster, 1, Date.parse("2026-11-24T23:00:00+08:00")).map((p) => p.id) // ["demo-chief"]
 */
export function onDuty(roster: Roster, tier: number, at: number): Person[] {
  const ids = new Set<string>();
  for (const occurrence of shiftsAt(roster, at)) {
    for (const id of occurrence.shift.tiers[tier] ?? []) ids.add(id);
  }
  return roster.people.filter((p) => ids.has(p.id));
}

/** Everyone on duty at tiers 0..tier at `at` (an escalation adds people; it does not replace them). */
export function onDutyUpTo(roster: Roster, tier: number, at: number): Person[] {
  const ids = new Set<string>();
  for (let t = 0; t <= tier; t++) for (const p of onDuty(roster, t, at)) ids.add(p.id);
  return roster.people.filter((p) => ids.has(p.id));
}

/** A stretch of the week (Beijing time) with nobody on duty at a tier, e.g. "sat 08:30" to "mon 08:30". */
export interface DutyGap {
  /** Weekday and time it begins, "sat 08:30". */
  readonly from: string;
  /** Weekday and time it ends, "mon 08:30" (the whole week: `from` again). */
  readonly to: string;
  readonly minutes: number;
}

const WEEK_MINUTES = 7 * 1440;
/** 2024-01-01 00:00 Beijing time, a Monday. */
const REFERENCE_MONDAY = Date.parse("2024-01-01T00:00:00+08:00");

function weekTime(minuteOfWeek: number): string {
  const m = ((minuteOfWeek % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;
  const minute = m % 1440;
  const hhmm = `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
  return `${WEEKDAYS[Math.floor(m / 1440)]} ${hhmm}`;
}

/**
 * The stretches of the week (Beijing time, every week alike) when nobody is on duty at roster tier
 * `tier` (default 0, the duty officer): an alert then reaches no duty officer. Pure.
 *
 * @example
 * // Only a weekday day shift mon–fri 08:00–20:00:
 * dutyGaps(roster).map((g) => `${g.from}–${g.to}`) // ["mon 20:00–tue 08:00", …, "fri 20:00–mon 08:00"]
 */
export function dutyGaps(roster: Roster, tier = 0): DutyGap[] {
  // Who is on duty changes only where a shift starts or ends.
  const points = new Set<number>([0]);
  for (const shift of roster.shifts)
    for (const day of shift.days) {
      const start = WEEKDAYS.indexOf(day) * 1440 + minutesOf(shift.start);
      points.add(start % WEEK_MINUTES);
      points.add((start + durationMinutes(shift)) % WEEK_MINUTES);
    }
  const sorted = [...points].sort((a, b) => a - b);
  const gaps: Array<[number, number]> = [];
  sorted.forEach((p, i) => {
    if (onDuty(roster, tier, REFERENCE_MONDAY + p * MINUTE_MS).length > 0) return;
    const end = sorted[i + 1] ?? WEEK_MINUTES;
    const last = gaps.at(-1);
    if (last !== undefined && last[1] === p) last[1] = end;
    else gaps.push([p, end]);
  });
  // A gap over the week's turn (Sunday night into Monday) is one.
  const first = gaps[0];
  const last = gaps.at(-1);
  if (
    gaps.length > 1 &&
    first !== undefined &&
    last !== undefined &&
    first[0] === 0 &&
    last[1] === WEEK_MINUTES
  ) {
    gaps.shift();
    last[1] = WEEK_MINUTES + first[1];
  }
  return gaps.map(([from, to]) => ({ from: weekTime(from), to: weekTime(to), minutes: to - from }));
}

/** The highest tier any shift defines (escalation stops there). */
export function maxTier(roster: Roster): number {
  return Math.max(0, ...roster.shifts.map((s) => s.tiers.length - 1));
}

/**
 * node-cron expressions (minute hour * * weekdays, to be run with timezone Asia/Shanghai) for every
 * shift change: each shift's start on its days and its end (the next day for a shift crossing
 * midnight). Identical times are merged.
 *
 * @example
 * shiftChangeCrons(demoRoster) // ["0 8 * * 0,1,2,3,4,5,6", "0 20 * * 0,1,2,3,4,5,6"]
 */
export function shiftChangeCrons(roster: Roster): string[] {
  const byTime = new Map<number, Set<number>>();
  const add = (minutes: number, dow: number) => {
    const set = byTime.get(minutes) ?? new Set<number>();
    set.add(dow);
    byTime.set(minutes, set);
  };
  for (const shift of roster.shifts) {
    const start = minutesOf(shift.start);
    const endAbs = start + durationMinutes(shift);
    for (const day of shift.days) {
      const dow = (WEEKDAYS.indexOf(day) + 1) % 7; // cron: 0 = Sunday
      add(start, dow);
      add(endAbs % 1440, (dow + Math.floor(endAbs / 1440)) % 7);
    }
  }
  return [...byTime.entries()]
    .sort(([a], [b]) => a - b)
    .map(([m, dows]) => `${m % 60} ${Math.floor(m / 60)} * * ${[...dows].sort((a, b) => a - b).join(",")}`);
}
