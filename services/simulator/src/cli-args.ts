import { parseArgs } from "node:util";
import { DAY_MS } from "@qingshan/domain";
import { z } from "zod";
import { SCENARIO_IDS } from "./scenarios.ts";

export const SIMULATOR_USAGE = `usage: qingshan simulate [options]

  --mqtt-url URL        broker (default: the one qingshan start uses: mqtt.url / QINGSHAN_MQTT_URL,
                        else its embedded broker mqtt://127.0.0.1:{mqtt.embeddedPort}, QINGSHAN_MQTT_PORT)
  --scenario ID         ${SCENARIO_IDS.join(" | ")} (default clean-week)
  --acceleration N      simulated seconds per real second, at least 1 (default 1)
  --seed N              random seed (default 1)
  --stations PATH       stations JSON (default: the configuration's stations, QINGSHAN_STATIONS)
  --backfill-days N     publish N days of history as array payloads first, then exit
  --data-gaps MODE      realistic | none (default realistic)
  --help

A usage error exits with status 2, any other failure with 1.`;

/** A command line the simulator cannot run: the message names the option at fault. */
export class SimulatorUsageError extends Error {
  override readonly name = "SimulatorUsageError";
}

const ArgsSchema = z.object({
  mqttUrl: z
    .string()
    .regex(/^(mqtts?|wss?|tcp):\/\//, "an MQTT URL such as mqtt://127.0.0.1:1883")
    .optional(),
  scenario: z.enum(SCENARIO_IDS),
  acceleration: z.coerce.number().min(1),
  seed: z.coerce.number().int(),
  stations: z.string().min(1).optional(),
  backfillMs: z.number().positive().optional(),
  dataGaps: z.enum(["realistic", "none"]),
  help: z.boolean(),
});
/** The command line; `mqttUrl` and `stations` are undefined when not given (the caller's defaults apply). */
export type SimulatorArgs = z.infer<typeof ArgsSchema>;

/** Schema field → the option that sets it, for messages. */
const OPTION_OF: Record<string, string> = {
  mqttUrl: "--mqtt-url",
  backfillMs: "--backfill-days",
  dataGaps: "--data-gaps",
};

/**
 * Parses the simulator's command line; throws SimulatorUsageError naming the bad option.
 *
 * @example
 * parseSimulatorArgs(["--scenario", "heavy-pollution", "--acceleration", "3600"]).acceleration // 3600
 */
export function parseSimulatorArgs(argv: readonly string[]): SimulatorArgs {
  let values: ReturnType<typeof parseOptions>["values"];
  try {
    values = parseOptions(argv).values;
  } catch (error) {
    // node:util parseArgs: unknown option, missing value, unexpected argument.
    throw new SimulatorUsageError((error as Error).message.replace(/\s*\n\s*/g, " "), { cause: error });
  }
  const days = values["backfill-days"];
  const parsed = ArgsSchema.safeParse({
    mqttUrl: values["mqtt-url"],
    scenario: values.scenario,
    acceleration: values.acceleration,
    seed: values.seed,
    stations: values.stations,
    backfillMs: days === undefined ? undefined : Number(days) * DAY_MS,
    dataGaps: values["data-gaps"],
    help: values.help,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? "");
    throw new SimulatorUsageError(`${OPTION_OF[field] ?? `--${field}`}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

function parseOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      "mqtt-url": { type: "string" },
      scenario: { type: "string", default: "clean-week" },
      acceleration: { type: "string", default: "1" },
      seed: { type: "string", default: "1" },
      stations: { type: "string" },
      "backfill-days": { type: "string" },
      "data-gaps": { type: "string", default: "realistic" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
}
