import { z } from "zod";
import { SCENARIO_IDS } from "./scenarios.ts";

/**
 * Simulator settings other than the stations and the scenario object, validated once, with
 * defaults and units in the names.
 *
 * @example
 * SimulatorConfigSchema.parse({ mqttUrl: "mqtt://127.0.0.1:1883", scenario: "clean-week" }).acceleration // 1
 */
export const SimulatorConfigSchema = z.object({
  mqttUrl: z.string().regex(/^(mqtts?|wss?|tcp):\/\//, "an MQTT URL such as mqtt://127.0.0.1:1883"),
  scenario: z.enum(SCENARIO_IDS).default("clean-week"),
  /** Simulated time runs this many times faster than real time. */
  acceleration: z.number().min(1).max(10_000_000).default(1),
  /** Scenario hour 0 (UTC ms). Default: on the hour the scenario's replayHours ago when accelerated, else now. */
  startAt: z.number().int().nonnegative().optional(),
  seed: z.number().int().default(1),
  /** Real time between scheduling steps. */
  tickIntervalMs: z.number().int().min(10).default(250),
  /** "timer" runs the steps itself; "manual" leaves them to `tick()` (tests, stepping). */
  schedule: z.enum(["timer", "manual"]).default("timer"),
  /** Upper bound of messages per step, so a large acceleration cannot flood the broker. */
  maxPublishPerTick: z.number().int().positive().default(2000),
  dataGaps: z.enum(["realistic", "none"]).default("realistic"),
  clientId: z.string().min(1).optional(),
  username: z.string().optional(),
  password: z.string().optional(),
});

export type SimulatorConfigInput = z.input<typeof SimulatorConfigSchema>;
export type SimulatorConfig = z.output<typeof SimulatorConfigSchema>;
