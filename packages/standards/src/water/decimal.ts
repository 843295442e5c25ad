/**
 * Exact decimal comparison for class limits. A reported value is taken as the shortest decimal
 * that round-trips its double (`String(value)`), limits are decimal strings, and both are compared
 * as integers scaled to a common power of ten — never by binary floating-point arithmetic
 * (GB 3838-2002 §3.4 / water-gb3838.md §3: Hg 0.00005 and friends must compare exactly).
 */

/** A non-negative decimal `units × 10^-scale`, `scale ≥ 0`. */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL_PATTERN = /^(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses a non-negative decimal string (plain or exponent notation) exactly.
 *
 * @example
 * parseDecimal("0.00005") // { units: 5n, scale: 5 }
 * parseDecimal("1e-7")    // { units: 1n, scale: 7 }
 */
export function parseDecimal(text: string): Decimal {
  const match = DECIMAL_PATTERN.exec(text);
  if (match === null) throw new RangeError(`not a non-negative decimal: "${text}"`);
  const whole = match[1] ?? "";
  const fraction = match[2] ?? "";
  const exponent = Number(match[3] ?? "0");
  const units = BigInt(whole + fraction);
  const scale = fraction.length - exponent;
  if (scale >= 0) return { units, scale };
  return { units: units * 10n ** BigInt(-scale), scale: 0 };
}

/**
 * The exact decimal a reported number stands for: the shortest decimal that round-trips it.
 *
 * @example
 * decimalOfNumber(0.00008) // { units: 8n, scale: 5 }
 */
export function decimalOfNumber(value: number): Decimal {
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`not a finite non-negative number: ${value}`);
  return parseDecimal(String(value));
}

function rescale(d: Decimal, scale: number): bigint {
  return d.units * 10n ** BigInt(scale - d.scale);
}

/**
 * Compares two decimals exactly: negative if a < b, 0 if equal, positive if a > b.
 *
 * @example
 * compareDecimal(parseDecimal("0.3"), parseDecimal("0.30")) // 0
 */
export function compareDecimal(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const x = rescale(a, scale);
  const y = rescale(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * (value − reference) / reference, computed on scaled integers and rounded once to the nearest
 * double (so (0.28 − 0.2) / 0.2 is exactly 0.4, not 0.4000000000000001).
 *
 * @example
 * relativeExcess(parseDecimal("0.28"), parseDecimal("0.2")) // 0.4
 */
export function relativeExcess(value: Decimal, reference: Decimal): number {
  if (reference.units === 0n) throw new RangeError("reference must be positive");
  const scale = Math.max(value.scale, reference.scale);
  const numerator = rescale(value, scale) - rescale(reference, scale);
  const denominator = rescale(reference, scale);
  return divideToNumber(numerator, denominator);
}

/**
 * (value − reference) / reference rounded exactly to `decimals` decimal places, ties to even
 * (GB/T 8170-2008 §3.3, the rounding rule of Chinese standards: 0.125 → 0.12, 0.135 → 0.14), as
 * the nearest double of that decimal — the rounding acts on the exact quotient, never on a binary
 * approximation of it.
 *
 * @example
 * roundedRelativeExcess(parseDecimal("10"), parseDecimal("6"), 2) // 0.67 (exactly 0.666…)
 * roundedRelativeExcess(parseDecimal("6.75"), parseDecimal("6"), 2) // 0.12 (exactly 0.125, a tie)
 */
export function roundedRelativeExcess(value: Decimal, reference: Decimal, decimals: number): number {
  if (reference.units === 0n) throw new RangeError("reference must be positive");
  if (!Number.isInteger(decimals) || decimals < 0)
    throw new RangeError(`decimals: expected an integer ≥ 0, got ${decimals}`);
  const scale = Math.max(value.scale, reference.scale);
  const numerator = (rescale(value, scale) - rescale(reference, scale)) * 10n ** BigInt(decimals);
  const denominator = rescale(reference, scale);
  const negative = numerator < 0n;
  const abs = negative ? -numerator : numerator;
  let units = abs / denominator;
  const twice = 2n * (abs % denominator);
  if (twice > denominator || (twice === denominator && units % 2n === 1n)) units += 1n;
  const rounded = Number(`${units}e-${decimals}`);
  return negative ? -rounded : rounded;
}

// Integer quotient to the nearest double: exact for operands below 2^53, otherwise via 17
// significant digits of the exact quotient.
function divideToNumber(numerator: bigint, denominator: bigint): number {
  const limit = 2n ** 53n;
  const abs = numerator < 0n ? -numerator : numerator;
  if (abs < limit && denominator < limit) return Number(numerator) / Number(denominator);
  const sign = numerator < 0n ? "-" : "";
  const digits = 20n;
  const scaled = (abs * 10n ** digits) / denominator;
  const text = scaled.toString().padStart(Number(digits) + 1, "0");
  const cut = text.length - Number(digits);
  return Number(`${sign}${text.slice(0, cut)}.${text.slice(cut)}`);
}
