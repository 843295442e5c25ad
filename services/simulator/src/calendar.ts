import { BEIJING_OFFSET_MS, DAY_MS, HOUR_MS } from "@qingshan/domain";

/** Fractional Beijing-time hour of day, 0 ≤ h < 24. */
export function beijingHourOfDay(t: number): number {
  const local = (((t + BEIJING_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;
  return local / HOUR_MS;
}

/** Beijing-time month, 0 = January. */
export function beijingMonth(t: number): number {
  return new Date(t + BEIJING_OFFSET_MS).getUTCMonth();
}

/** Fractional Beijing-time day of the year, 0 = 1 January 00:00. */
export function beijingDayOfYear(t: number): number {
  const d = new Date(t + BEIJING_OFFSET_MS);
  return (t + BEIJING_OFFSET_MS - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS;
}

/** Gaussian bump centred on hour `centre` with width `width` hours, on the 24-h circle. */
export function bump(hour: number, centre: number, width: number): number {
  const raw = Math.abs(hour - centre);
  const d = Math.min(raw, 24 - raw);
  return Math.exp(-0.5 * (d / width) ** 2);
}

/** Cosine cycle over the day peaking at `peakHour`: +1 at the peak, −1 twelve hours away. */
export function dailyCycle(hour: number, peakHour: number): number {
  return Math.cos((2 * Math.PI * (hour - peakHour)) / 24);
}

/** Cosine cycle over the year peaking on day `peakDay`. */
export function yearlyCycle(dayOfYear: number, peakDay: number): number {
  return Math.cos((2 * Math.PI * (dayOfYear - peakDay)) / 365.25);
}

/** ISO 8601 duration text of a whole number of seconds, minutes or hours ("PT1H", "PT5M"). */
export function isoDuration(ms: number): string {
  if (ms % HOUR_MS === 0) return `PT${ms / HOUR_MS}H`;
  if (ms % 60_000 === 0) return `PT${ms / 60_000}M`;
  return `PT${ms / 1000}S`;
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
