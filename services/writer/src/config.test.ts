import { describe, expect, it } from "vitest";
import { parseWriterConfig } from "./config.ts";

describe("writer configuration", () => {
  it("an empty section is the documented defaults", () => {
    expect(parseWriterConfig({})).toMatchObject({
      maxBatch: 60_000,
      readingsGroup: "writer",
      retry: { initialMs: 100, maxMs: 30_000 },
      log: { dir: null, lingerMs: 100 },
    });
  });

  it("refuses a key it does not know, at the top and in nested settings, naming it", () => {
    expect(() => parseWriterConfig({ maxBatchh: 5 } as never)).toThrow(
      'writer configuration invalid: (root): Unrecognized key: "maxBatchh"',
    );
    expect(() => parseWriterConfig({ retry: { initialMs: 100, maxMs: 200, intialMs: 5 } } as never)).toThrow(
      'retry: Unrecognized key: "intialMs"',
    );
    expect(() => parseWriterConfig({ log: { lingerMS: 5 } } as never)).toThrow(
      'log: Unrecognized key: "lingerMS"',
    );
  });
});
