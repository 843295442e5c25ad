import { existsSync } from "node:fs";
import { join } from "node:path";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { runQingshan as qingshan } from "./testing/cli-process.ts";

const cleanups = cleanupsAfterEach();

/** No stack trace in the output. */
const noStack = /\n\s+at /;

describe("qingshan COMMAND --help", { timeout: 240_000 }, () => {
  it("start --help and -h print start's usage and exit 0, starting nothing (was: the whole pipeline on ./data)", async () => {
    const dataDir = join(tempDir(cleanups, "qingshan-usage-"), "data");
    for (const flag of ["--help", "-h"]) {
      const result = await qingshan(["start", flag], { QINGSHAN_DATA_DIR: dataDir }, { timeoutMs: 30_000 });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^usage: qingshan start\n/);
      expect(result.stdout).toContain("Takes no arguments");
      expect(result.stderr).toBe("");
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it("every other command answers --help with its usage, exit 0 (run and calc were usage errors, import a stack)", async () => {
    const expected: Array<[string[], RegExp]> = [
      [["run", "--help"], /^usage: qingshan run ingest\|writer\|evaluator\|notifier\|api\n/],
      [["run", "api", "-h"], /^usage: qingshan run /],
      [
        ["import", "--help"],
        /^usage: qingshan import FILE\.csv \[--api URL\] \[--encoding utf-8\|gbk\|gb18030\] \[--delimiter D\]\n/,
      ],
      [["import", "readings.csv", "-h"], /^usage: qingshan import /],
      [["calc", "--help"], /^usage: qingshan calc aqi\|water\|noi\|hj212 < cases\.jsonl\n[\s\S]*pm25_24h/],
      [["calc", "aqi", "--help"], /^usage: qingshan calc /],
      [["simulate", "-h"], /^usage: qingshan simulate \[options\]/],
      [["help", "import"], /^usage: qingshan import /],
    ];
    const results = [];
    for (const [args] of expected) results.push(await qingshan(args));
    results.forEach((result, i) => {
      const [args, usage] = expected[i] as [string[], RegExp];
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: "" });
      expect(result.stdout).toMatch(usage);
    });
  });
});

describe("an unknown option or an argument a command does not take", { timeout: 240_000 }, () => {
  it("is one line naming it with the command's usage, exit status 2, and nothing runs", async () => {
    const dataDir = join(tempDir(cleanups, "qingshan-usage-"), "data");
    const expected: Array<[string[], string]> = [
      [
        ["start", "--port", "9000"],
        "qingshan start: unknown option --port; usage: qingshan start (qingshan start --help)",
      ],
      [
        ["start", "now"],
        'qingshan start: unexpected argument "now"; usage: qingshan start (qingshan start --help)',
      ],
      [
        ["import", "readings.csv", "--bogus"],
        "qingshan import: unknown option --bogus; usage: qingshan import FILE.csv [--api URL] [--encoding utf-8|gbk|gb18030] [--delimiter D] (qingshan import --help)",
      ],
      [
        ["run", "ingest", "--verbose"],
        "qingshan run: unknown option --verbose; usage: qingshan run ingest|writer|evaluator|notifier|api (qingshan run --help)",
      ],
      [
        ["calc", "aqi", "extra"],
        'qingshan calc: unexpected argument "extra"; usage: qingshan calc aqi|water|noi|hj212 < cases.jsonl (qingshan calc --help)',
      ],
      [
        ["calc", "aqx"],
        'qingshan calc: expected one of aqi, water, noi, hj212, received "aqx"; usage: qingshan calc aqi|water|noi|hj212 < cases.jsonl (qingshan calc --help)',
      ],
    ];
    const results = [];
    for (const [args] of expected) results.push(await qingshan(args, { QINGSHAN_DATA_DIR: dataDir }));
    results.forEach((result, i) => {
      const [args, line] = expected[i] as [string[], string];
      expect({ args, code: result.code, stderr: result.stderr, stdout: result.stdout }).toEqual({
        args,
        code: 2,
        stderr: `${line}\n`,
        stdout: "",
      });
      expect(result.stderr).not.toMatch(noStack);
    });
    expect(existsSync(dataDir)).toBe(false);
  });
});
