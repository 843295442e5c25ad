/**
 * Exact decimal arithmetic for the AQI: a reported concentration is the shortest decimal that
 * round-trips its double (`String(value)`), held as `units × 10^-scale` with a BigInt `units`.
 * IAQI ceilings and GB/T 8170 rounding are done on these integers, never on binary doubles
 * (air-aqi.md §2: `Math.ceil` on a double turns CO 2.2 into IAQI 56 instead of 55).
 */

/** A non-negative decimal `units × 10^-scale`, `scale ≥ 0`. */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL_PATTERN = /^(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * The exact decimal a reported number stands for. Throws a RangeError naming `what` for a
 * negative, NaN or infinite value.
 *
 * @example
 * decimalOf(2.2, "co_1h") // { units: 22n, scale: 1 }
 */
export function decimalOf(value: number, what = "value"): Decimal {
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new RangeError(`${what}: expected a finite number, got ${String(value)}`);
  if (value < 0) throw new RangeError(`${what}: concentration must not be negative, got ${value}`);
  const match = DECIMAL_PATTERN.exec(String(value));
  if (match === null) throw new RangeError(`${what}: cannot read ${String(value)} as a decimal`);
  const fraction = match[2] ?? "";
  const units = BigInt((match[1] ?? "") + fraction);
  const scale = fraction.length - Number(match[3] ?? "0");
  if (scale >= 0) return { units, scale };
  return { units: units * 10n ** BigInt(-scale), scale: 0 };
}

/** `d` as an integer count of `10^-scale` (scale ≥ d.scale). */
export function scaledTo(d: Decimal, scale: number): bigint {
  return d.units * 10n ** BigInt(scale - d.scale);
}

/** Compares two decimals exactly: negative, zero or positive like `a − b`. */
export function compareDecimal(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const x = scaledTo(a, scale);
  const y = scaledTo(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** ⌈n / d⌉ for n ≥ 0, d > 0. */
export function ceilDiv(n: bigint, d: bigint): bigint {
  return (n + d - 1n) / d;
}

/** How a concentration is rounded to its reporting precision. */
export type RoundingMode = "half-even" | "truncate";

/**
 * Rounds `d` to `digits` decimals exactly: GB/T 8170 round-half-to-even (四舍六入五成双) on the
 * exact decimal value, or truncation.
 *
 * @example
 * roundDecimal(decimalOf(34.5), 0, "half-even") // { units: 34n, scale: 0 }
 * roundDecimal(decimalOf(4.25), 1, "half-even") // { units: 42n, scale: 1 }
 */
export function roundDecimal(d: Decimal, digits: number, mode: RoundingMode): Decimal {
  if (d.scale <= digits) return d;
  const divisor = 10n ** BigInt(d.scale - digits);
  const quotient = d.units / divisor;
  if (mode === "truncate") return { units: quotient, scale: digits };
  const twiceRemainder = 2n * (d.units % divisor);
  // GB/T 8170-2008 §3.3: above half rounds up, below half down, exactly half to the even digit.
  const up = twiceRemainder > divisor || (twiceRemainder === divisor && quotient % 2n === 1n);
  return { units: up ? quotient + 1n : quotient, scale: digits };
}

/** The decimal as a JavaScript number (exact text, parsed once). */
export function decimalToNumber(d: Decimal): number {
  if (d.scale === 0) return Number(d.units);
  const text = d.units.toString().padStart(d.scale + 1, "0");
  const cut = text.length - d.scale;
  return Number(`${text.slice(0, cut)}.${text.slice(cut)}`);
}

/**
 * `(a − b) / b` computed on scaled integers and rounded once to the nearest double, so
 * (0.28 − 0.2) / 0.2 is exactly 0.4. Throws RangeError when `b` is zero.
 *
 * @example
 * relativeDifference(decimalOf(90), decimalOf(60)) // 0.5
 */
export function relativeDifference(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const denominator = scaledTo(b, scale);
  if (denominator === 0n) throw new RangeError("reference must be positive");
  return ratioToNumber(scaledTo(a, scale) - denominator, denominator);
}

// Integer quotient to the nearest double: exact for operands below 2^53, otherwise via 20
// decimals of the exact quotient.
function ratioToNumber(numerator: bigint, denominator: bigint): number {
  const limit = 2n ** 53n;
  const abs = numerator < 0n ? -numerator : numerator;
  if (abs < limit && denominator < limit) return Number(numerator) / Number(denominator);
  const digits = 20;
  const scaled = (abs * 10n ** BigInt(digits)) / denominator;
  const text = scaled.toString().padStart(digits + 1, "0");
  const cut = text.length - digits;
  return Number(`${numerator < 0n ? "-" : ""}${text.slice(0, cut)}.${text.slice(cut)}`);
}
