import { describe, expect, it } from "vitest";
import { parseEvaluatorConfig } from "./config.ts";

describe("evaluator configuration", () => {
  it("an empty section is the documented defaults", () => {
    expect(parseEvaluatorConfig({})).toMatchObject({
      rulesFile: "config/rules.yaml",
      latenessMs: 2 * 3_600_000,
      warningPreset: "2024",
      retry: { initialMs: 100, maxMs: 30_000 },
    });
  });

  it("refuses a key it does not know, at the top and in nested settings, naming it", () => {
    expect(() => parseEvaluatorConfig({ bogusKey: 1 } as never)).toThrow(
      'evaluator configuration invalid: (root): Unrecognized key: "bogusKey"',
    );
    expect(() => parseEvaluatorConfig({ retry: { maxMS: 5 } } as never)).toThrow(
      'retry: Unrecognized key: "maxMS"',
    );
  });
});
