import { normalizeUnit } from "@qingshan/domain";

/** Units a device may send, by quantity, with their power-of-ten scale. */
const SCALES: Readonly<Record<string, { readonly quantity: string; readonly exp10: number }>> = {
  "ng/m³": { quantity: "mass per air volume", exp10: -6 },
  "µg/m³": { quantity: "mass per air volume", exp10: -3 },
  "mg/m³": { quantity: "mass per air volume", exp10: 0 },
  "ng/L": { quantity: "mass per water volume", exp10: -6 },
  "µg/L": { quantity: "mass per water volume", exp10: -3 },
  "mg/L": { quantity: "mass per water volume", exp10: 0 },
  "g/L": { quantity: "mass per water volume", exp10: 3 },
  "µS/cm": { quantity: "conductivity", exp10: 0 },
  "mS/m": { quantity: "conductivity", exp10: 1 },
  "mS/cm": { quantity: "conductivity", exp10: 3 },
  "S/m": { quantity: "conductivity", exp10: 4 },
};

const ALIASES: Readonly<Record<string, string>> = {
  "ng/m3": "ng/m³",
  "ug/l": "µg/L",
  "µg/l": "µg/L",
  "μg/l": "µg/L",
  "ng/l": "ng/L",
  "g/l": "g/L",
  "ms/m": "mS/m",
  "ms/cm": "mS/cm",
  "s/m": "S/m",
  "℃": "°C",
  无: "dimensionless",
  ph: "dimensionless",
};

/**
 * Canonical spelling of a device unit ("ug/L" → "µg/L", "mg/m3" → "mg/m³").
 *
 * @example
 * canonicalUnit("ug/l") // "µg/L"
 */
export function canonicalUnit(unit: string): string {
  const domain = normalizeUnit(unit);
  return ALIASES[domain.toLowerCase()] ?? domain;
}

const NUMBER = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+))?$/;

/** True when `text` is a plain decimal number as HJ 212 sends it ("35", "0.074", "-1.5", "1e3"). */
export function isDecimal(text: string): boolean {
  return NUMBER.test(text);
}

/**
 * Converts a decimal value as sent from one unit to another by moving the decimal exponent, so
 * "35" µg/L becomes exactly 0.035 mg/L (no binary multiplication). Returns undefined when the
 * units measure different quantities or are not known (ppm/ppb need reference conditions).
 *
 * @example
 * convertDecimal("0.05", "µg/L", "mg/L") // 0.00005
 * convertDecimal("0.035", "mg/m³", "µg/m³") // 35
 */
export function convertDecimal(text: string, from: string, to: string): number | undefined {
  const m = NUMBER.exec(text);
  if (!m) return undefined;
  const source = canonicalUnit(from);
  const target = canonicalUnit(to);
  if (source === target) return Number(text);
  const a = SCALES[source];
  const b = SCALES[target];
  if (!a || !b || a.quantity !== b.quantity) return undefined;
  // Parsing "35e-3" is correctly rounded from the exact decimal 0.035.
  return Number(`${m[1]}e${Number(m[2] ?? 0) + a.exp10 - b.exp10}`);
}

/** True when a value in `from` can be converted to `to`. */
export function isConvertible(from: string, to: string): boolean {
  return convertDecimal("1", from, to) !== undefined;
}
