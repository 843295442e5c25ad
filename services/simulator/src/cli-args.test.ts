import { describe, expect, it } from "vitest";
import { parseSimulatorArgs } from "./cli-args.ts";

describe("parseSimulatorArgs", () => {
  it("has defaults and takes the broker from QINGSHAN_MQTT_URL", () => {
    expect(parseSimulatorArgs([], { QINGSHAN_MQTT_URL: "mqtt://broker:1884" })).toEqual({
      mqttUrl: "mqtt://broker:1884",
      scenario: "clean-week",
      acceleration: 1,
      seed: 1,
      dataGaps: "realistic",
      help: false,
    });
  });

  it("parses options", () => {
    const args = parseSimulatorArgs(
      [
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
      ],
      {},
    );
    expect(args).toMatchObject({
      scenario: "heavy-pollution",
      acceleration: 3600,
      seed: 9,
      backfillMs: 172_800_000,
      mqttUrl: "mqtt://x:1",
    });
  });

  it("names the bad option", () => {
    expect(() => parseSimulatorArgs(["--scenario", "fog"], {})).toThrow(/--scenario/);
    expect(() => parseSimulatorArgs(["--acceleration", "0.5"], {})).toThrow(/--acceleration/);
    expect(() => parseSimulatorArgs(["--bogus"], {})).toThrow(/bogus/);
  });
});
