import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { CALCULATORS, type CalculatorName, calculateLine } from "./calculators.ts";

/**
 * `qingshan calc <aqi|water|noi|hj212>`: JSON Lines in, one JSON line out per case, in order.
 * A bad line gets `{"error": …}` and the run goes on; the exit status is 1 if any line was bad.
 */
export async function runCalc(name: string | undefined, input: Readable, output: Writable): Promise<number> {
  if (!name || !(CALCULATORS as readonly string[]).includes(name)) {
    output.write(
      `${JSON.stringify({ error: `usage: qingshan calc ${CALCULATORS.join("|")} < cases.jsonl` })}\n`,
    );
    return 2;
  }
  let bad = 0;
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    const { ok, output: result } = calculateLine(name as CalculatorName, line);
    if (!ok) bad += 1;
    output.write(`${JSON.stringify(result)}\n`);
  }
  return bad > 0 ? 1 : 0;
}
