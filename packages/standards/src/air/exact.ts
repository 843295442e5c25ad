/**
 * Exact rational arithmetic for statistics that are rounded or compared with a limit: sums and
 * means of reported values (the PM2.5 annual mean against its target). Built on fraction.js
 * (BigInt rationals): a mean of 23 hourly values is a fraction with denominator 23·10^k, which no
 * decimal or binary format holds exactly, and a float sum of 365 daily means turns an exact 32.5
 * into 32.50000000000002, which GB/T 8170 half-even rounds to 33 instead of 32 (air-aqi.md §2:
 * "do the arithmetic exactly").
 *
 * A number given to these functions stands for its shortest round-trip decimal (`String(value)`),
 * the value as reported: 0.1 is exactly 1/10, not the binary double nearest to it.
 */
import Fraction from "fraction.js";

/** An exact rational number `numerator / denominator`, in lowest terms, `denominator > 0`. */
export interface ExactNumber {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

/** A value as reported (its shortest decimal) or an exact one. */
export type ExactInput = number | ExactNumber;

const DECIMAL = /^(-?)(\d+)(?:\.(\d*))?(?:e([+-]?\d+))?$/;

function fractionOf(value: ExactInput, what: string): Fraction {
  if (typeof value !== "number") return new Fraction(value.numerator, value.denominator);
  if (!Number.isFinite(value))
    throw new RangeError(`${what}: expected a finite number, got ${String(value)}`);
  const match = DECIMAL.exec(String(value));
  if (match === null) throw new RangeError(`${what}: cannot read ${String(value)} as a decimal`);
  const fraction = match[3] ?? "";
  const exponent = Number(match[4] ?? "0") - fraction.length;
  const digits = BigInt(`${match[1]}${match[2]}${fraction}`);
  return exponent >= 0
    ? new Fraction(digits * 10n ** BigInt(exponent), 1n)
    : new Fraction(digits, 10n ** BigInt(-exponent));
}

function exactFrom(f: Fraction): ExactNumber {
  return { numerator: f.s * f.n, denominator: f.d };
}

/**
 * The exact value a reported number stands for (its shortest decimal), or `value` itself. Throws
 * a RangeError naming `what` for NaN or ±∞.
 *
 * @example
 * exactOf(32.1) // { numerator: 321n, denominator: 10n }
 */
export function exactOf(value: ExactInput, what = "value"): ExactNumber {
  return exactFrom(fractionOf(value, what));
}

/**
 * The exact sum of `values` (0 for none).
 *
 * @example
 * exactToNumber(exactSum([0.1, 0.2])) // 0.3 (a float sum gives 0.30000000000000004)
 */
export function exactSum(values: Iterable<ExactInput>, what = "value"): ExactNumber {
  let sum = new Fraction(0);
  for (const v of values) sum = sum.add(fractionOf(v, what));
  return exactFrom(sum);
}

/**
 * The exact arithmetic mean of `values`; null for none.
 *
 * @example
 * exactMean([32, 33]) // { numerator: 65n, denominator: 2n } — exactly 32.5
 */
export function exactMean(values: readonly ExactInput[], what = "value"): ExactNumber | null {
  if (values.length === 0) return null;
  return exactFrom(fractionOf(exactSum(values, what), what).div(values.length));
}

/** a + b exactly. */
export function addExact(a: ExactInput, b: ExactInput): ExactNumber {
  return exactFrom(fractionOf(a, "a").add(fractionOf(b, "b")));
}

/** a − b exactly. */
export function subtractExact(a: ExactInput, b: ExactInput): ExactNumber {
  return exactFrom(fractionOf(a, "a").sub(fractionOf(b, "b")));
}

/** a · b exactly. */
export function multiplyExact(a: ExactInput, b: ExactInput): ExactNumber {
  return exactFrom(fractionOf(a, "a").mul(fractionOf(b, "b")));
}

/** a / b exactly; a RangeError when b is zero. */
export function divideExact(a: ExactInput, b: ExactInput): ExactNumber {
  const divisor = fractionOf(b, "b");
  if (divisor.n === 0n) throw new RangeError("division by zero");
  return exactFrom(fractionOf(a, "a").div(divisor));
}

/** Negative, zero or positive like `a − b`, exactly. */
export function compareExact(a: ExactInput, b: ExactInput): -1 | 0 | 1 {
  const c = fractionOf(a, "a").compare(fractionOf(b, "b"));
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

/**
 * Rounds `x` to `digits` decimals by GB/T 8170-2008 §3.3 (四舍六入五成双): above half up, below
 * half down, exactly half to the even digit — on the exact value, so 65/2 → 32 and 67/2 → 34.
 * Symmetric about zero.
 *
 * @example
 * exactToNumber(roundExactHalfEven({ numerator: 65n, denominator: 2n })) // 32
 */
export function roundExactHalfEven(x: ExactInput, digits = 0): ExactNumber {
  if (!Number.isInteger(digits) || digits < 0) throw new RangeError(`digits: got ${digits}`);
  const e = exactOf(x);
  const scale = 10n ** BigInt(digits);
  const n = e.numerator * scale;
  const d = e.denominator;
  // Floor division (BigInt `/` truncates toward zero).
  let q = n / d;
  if (n % d !== 0n && n < 0n) q -= 1n;
  const twiceRemainder = 2n * (n - q * d);
  const up = twiceRemainder > d || (twiceRemainder === d && q % 2n !== 0n);
  return exactFrom(new Fraction(up ? q + 1n : q, scale));
}

const SAFE = 2n ** 53n;

/**
 * The double nearest `x` (for display and JSON; decide on the exact value, not on this).
 *
 * @example
 * exactToNumber({ numerator: 65n, denominator: 2n }) // 32.5
 */
export function exactToNumber(x: ExactNumber): number {
  const { numerator, denominator } = x;
  const abs = numerator < 0n ? -numerator : numerator;
  // Two exact doubles: IEEE division rounds the quotient correctly.
  if (abs < SAFE && denominator < SAFE) return Number(numerator) / Number(denominator);
  // About 20 significant digits of the quotient, then parsed once.
  const decimals = Math.max(0, 20 + denominator.toString().length - abs.toString().length);
  const scaled = ((abs * 10n ** BigInt(decimals)) / denominator).toString().padStart(decimals + 1, "0");
  const cut = scaled.length - decimals;
  const text = decimals === 0 ? scaled : `${scaled.slice(0, cut)}.${scaled.slice(cut)}`;
  return Number(`${numerator < 0n ? "-" : ""}${text}`);
}
