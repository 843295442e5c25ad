import { parseArgs } from "node:util";
import { DAY_MS } from "@qingshan/domain";
import { z } from "zod";
import { SCENARIO_IDS } from "./scenarios.ts";

export const SIMULATOR_USAGE = `Usage: tsx services/simulator/src/main.ts [options]

  --mqtt-url URL        broker (default mqtt://127.0.0.1:1883, or QINGSHAN_MQTT_URL)
  --scenario ID         ${SCENARIO_IDS.join(" | ")} (default clean-week)
  --acceleration N      simulated seconds per real second (default 1)
  --seed N              random seed (default 1)
  --stations PATH       stations JSON (default seeds/liandu/stations.json)
  --backfill-days N     publish N days of history as array payloads first, then exit
  --data-gaps MODE      realistic | none (default realistic)
  --help`;

const ArgsSchema = z.object({
  mqttUrl: z.string(),
  scenario: z.enum(SCENARIO_IDS),
  acceleration: z.coerce.number().min(1),
  seed: z.coerce.number().int(),
  stations: z.string().optional(),
  backfillMs: z.number().positive().optional(),
  dataGaps: z.enum(["realistic", "none"]),
  help: z.boolean(),
});
export type SimulatorArgs = z.infer<typeof ArgsSchema>;

/**
 * Parses the simulator's command line; `env` supplies QINGSHAN_MQTT_URL.
 *
 * @example
 * parseSimulatorArgs(["--scenario", "heavy-pollution", "--acceleration", "3600"], {}).acceleration // 3600
 */
export function parseSimulatorArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): SimulatorArgs {
  const { values } = parseArgs({
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
  const days = values["backfill-days"];
  const parsed = ArgsSchema.safeParse({
    mqttUrl: values["mqtt-url"] ?? env.QINGSHAN_MQTT_URL ?? "mqtt://127.0.0.1:1883",
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
    throw new Error(
      `--${String(issue?.path[0] ?? "")}: ${issue?.message ?? "invalid"}\n\n${SIMULATOR_USAGE}`,
    );
  }
  return parsed.data;
}
