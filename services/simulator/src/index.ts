export { parseSimulatorArgs, SIMULATOR_USAGE, type SimulatorArgs, SimulatorUsageError } from "./cli-args.ts";
export { type SimulatorConfig, type SimulatorConfigInput, SimulatorConfigSchema } from "./config.ts";
export {
  type DataGaps,
  type GenerateOptions,
  generateObservations,
  isSilent,
  type SimObservation,
} from "./generate.ts";
export {
  type BackfillOptions,
  type BackfillSummary,
  backfill,
  generateHistory,
  type HistoryBatch,
  type HistoryOptions,
  MAX_BATCH_OBSERVATIONS,
} from "./history.ts";
export { createRandom, type SimRandom } from "./random.ts";
export {
  interpolate,
  isScenarioId,
  type Keyframes,
  resolveScenario,
  SCENARIO_IDS,
  SCENARIOS,
  type Scenario,
  type ScenarioId,
  type ScenarioRun,
} from "./scenarios.ts";
export { LIANDU_STATIONS_PATH, loadStationRegistry } from "./seeds.ts";
export { createSimulator, type Simulator, type SimulatorOptions, type SimulatorStats } from "./simulator.ts";
