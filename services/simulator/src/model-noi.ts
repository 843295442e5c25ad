import type { Station } from "@qingshan/domain";
import { beijingDayOfYear, beijingHourOfDay, clamp, dailyCycle, yearlyCycle } from "./calendar.ts";
import { episodeLevel } from "./model-air.ts";
import { type Setting, stationSetting } from "./profile.ts";
import type { SimRandom } from "./random.ts";
import type { ScenarioRun } from "./scenarios.ts";

export type NoiValues = Record<"noi" | "temp" | "rh", number>;

const DAY_MS = 86_400_000;
// Forest sites 1 000–4 000 ions/cm³, scenic countryside in between, town centres a few hundred.
const NOI_BASE: Record<Setting, number> = { reserve: 2400, rural: 1400, urban: 650 };

/**
 * Values of one negative-oxygen-ion site at instant t: ions rise with humidity and peak in the
 * early morning; particles scavenge ions, so a PM2.5 episode lowers them.
 *
 * @example
 * noiValues(site, Date.parse("2026-05-01T06:00:00+08:00"), run, createRandom(1)).noi // ≈ 3000 at a forest site
 */
export function noiValues(station: Station, t: number, run: ScenarioRun, rng: SimRandom): NoiValues {
  const id = station.id;
  const setting = stationSetting(station);
  const h = beijingHourOfDay(t);
  const doy = beijingDayOfYear(t);
  const wet = rng.smooth("water-rain", t, 2 * DAY_MS);
  const forest = setting === "reserve";
  // A humid night approaches saturation, where a capacitive sensor reads 95–100 % and keeps moving:
  // the mean is eased under 97 % (a hard clamp would report 100 for hours, a stuck-sensor pattern).
  const humid = 76 + 14 * dailyCycle(h, 4) + 8 * wet + (forest ? 5 : 0);
  const rh = clamp(
    (humid < 90 ? humid : 97 - 7 * Math.exp(-(humid - 90) / 7)) + 2 * rng.gaussian(id, t, "rh"),
    25,
    100,
  );
  const temp =
    17 -
    10 * yearlyCycle(doy, 20) +
    4 * dailyCycle(h, 14) +
    1.5 * rng.smooth(`${id}-temp`, t, DAY_MS) -
    (forest ? 2 : 0) +
    0.3 * rng.gaussian(id, t, "temp");
  const level = episodeLevel(station, t, run);
  const scavenging = level > 75 ? clamp(75 / level, 0.35, 1) : 1;
  const noi =
    NOI_BASE[setting] *
    (0.55 + (0.6 * rh) / 100) *
    (1 + 0.18 * dailyCycle(h, 6)) *
    Math.exp(0.18 * rng.smooth(`${id}-noi`, t, DAY_MS) + 0.12 * rng.gaussian(id, t, "noi")) *
    scavenging;
  return { noi, temp, rh };
}
