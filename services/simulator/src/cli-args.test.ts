import { describe, expect, it } from "vitest";
import { parseSimulatorArgs, SimulatorUsageError } from "./cli-args.ts";

describe("parseSimulatorArgs", () => {
  it("has defaults, and leaves the broker and the stations to the caller when not given", () => {
    expect(parseSimulatorArgs([])).toEqual({
      scenario: "clean-week",
      acceleration: 1,
      seed: 1,
      dataGaps: "realistic",
      help: false,
    });
  });

  it("parses options", () => {
    const args = parseSimulatorArgs([
      "--scenario",
      "heavy-pollution",
      "--acceleration",
      "3600",
      "--seed",
      "9",
      "--backfill-days",
      "2",
      "--mqtt-url",
      "mqtt://x:1",
      "--stations",
      "s.json",
    ]);
    expect(args).toMatchObject({
      scenario: "heavy-pollution",
      acceleration: 3600,
      seed: 9,
      backfillMs: 172_800_000,
      mqttUrl: "mqtt://x:1",
      stations: "s.json",
    });
  });

  it("names the bad option as written on the command line, as a usage error", () => {
    const cases: Array<[string[], RegExp]> = [
      [["--scenario", "fog"], /^--scenario: /],
      [["--acceleration", "0.5"], /^--acceleration: /],
      [["--backfill-days", "lots"], /^--backfill-days: /],
      [["--backfill-days=-1"], /^--backfill-days: /],
      [["--data-gaps", "some"], /^--data-gaps: /],
      [["--mqtt-url", "127.0.0.1:1883"], /^--mqtt-url: .*an MQTT URL/],
      [["--bogus"], /bogus/],
      [["extra"], /extra/],
      [["--scenario"], /--scenario/],
    ];
    for (const [argv, message] of cases) {
      expect(() => parseSimulatorArgs(argv)).toThrow(SimulatorUsageError);
      expect(() => parseSimulatorArgs(argv)).toThrow(message);
    }
  });
});
