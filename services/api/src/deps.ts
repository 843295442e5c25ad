import type { Bus } from "@qingshan/bus";
import type { AlertEvent, DataFlag, Rejection, Station, StationRegistry } from "@qingshan/domain";
import type { Rule } from "@qingshan/rules";
import type {
  ConcentrationRounding,
  NoiScheme,
  NoiSchemeId,
  WarningConfig,
  WarningPresetId,
} from "@qingshan/standards";
import type { TimeSeriesStore } from "@qingshan/store";
import type { FastifyBaseLogger } from "fastify";
import type { Registry } from "prom-client";
import type { PmRealtimeBasis } from "./series/aqi-inputs.ts";
import type { PhAveraging } from "./series/water-class.ts";

/** Result of submitting one payload to the ingest path. */
export interface SubmitResult {
  readonly accepted: number;
  readonly rejections: readonly Rejection[];
}

/**
 * Hands one wire payload to ingest (decode, validate, dead-letter rejects, publish readings).
 * `topic` is `stations/{stationId}/{kind}`.
 */
export type Submit = (
  topic: string,
  payloadText: string,
  options: { source: "import"; backfill: boolean },
) => Promise<SubmitResult>;

/** One readiness check: true/ok means ready; a thrown error or `ok: false` means not ready. */
export type ReadinessCheck = () =>
  | Promise<boolean | { ok: boolean; detail?: string }>
  | boolean
  | { ok: boolean; detail?: string };

/** Collaborators and settings of the API. Only `store` and `registry` are required. */
export interface ApiDeps {
  readonly store: TimeSeriesStore;
  readonly registry: StationRegistry;
  /** Ingest entry point for POST /stations/:id/observations; without it that route answers 503. */
  readonly submit?: Submit;
  /** prom-client registry for /metrics; default the global `register`. */
  readonly metricsRegistry?: Registry;
  /** Collect prom-client's default process metrics into the registry (once per registry). Default true. */
  readonly defaultMetrics?: boolean;
  /** Named readiness checks for /readyz, in addition to `store` (store.health()). */
  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;
  /** Longest a readiness check may take before it counts as not ready, ms. Default 2000. */
  readonly readinessTimeoutMs?: number;
  /** Messages not yet acknowledged per bus topic, for the `qingshan_bus_queue_depth` gauge. */
  readonly busDepth?: () => Readonly<Record<string, number>>;
  /** A pino-compatible logger, or true for Fastify's default logger. Default: no logging. */
  readonly logger?: FastifyBaseLogger | boolean;
  /** Clock for default time ranges. Default Date.now. */
  readonly now?: () => number;
  /** HJ 633-2012 real-time PM basis when the request does not say. Default "auto". */
  readonly pmRealtimeBasis2012?: PmRealtimeBasis;
  /**
   * HJ 633-2026 concentration rounding before indexing (provisional: sources citing §4.2 disagree).
   * Default "half-even" (GB/T 8170).
   */
  readonly concentrationRounding2026?: ConcentrationRounding;
  /** Most periods one query may produce (hours, days or months). Default 10 000. */
  readonly maxPeriods?: number;
  /**
   * NOI grade table of /noi/grade, /network and the dashboard: a shipped id (both provisional) or a
   * table (`NoiScheme`, a bureau's), checked at create (`noiSchemeOf`). Give the evaluator the same
   * (`qingshan`: the file's `noi.scheme`) so alerts agree. Default candidate-a.
   */
  readonly noiScheme?: NoiSchemeId | NoiScheme;
  /** Water class settings (see README). */
  readonly water?: WaterSettings;
  /**
   * The bus: acknowledgements are published on "alerts" (so the notifier stops re-notifying) and
   * GET /alerts/stream relays "alerts" to browsers. Without it, acks are only stored and the stream
   * answers 503.
   */
  readonly bus?: Bus;
  /** Public base URL of this API (e.g. "http://localhost:8080"), used in links. Default: none. */
  readonly publicUrl?: string;
  /**
   * The alert rules in force (`loadRulesFile` of the evaluator's rules file): GET /rules lists
   * them and each alert carries its rule's description. Without them GET /rules answers 503.
   */
  readonly rules?: readonly Rule[];
  /** Alerts, warning and dashboard settings (see README). */
  readonly alerting?: AlertingSettings;
  /** The web dashboard at /dashboard/: false turns it off. Default on, with the Liandu geo layers. */
  readonly dashboard?: false | { readonly geoDir?: string };
}

/** Settings of the water class (/water/class, /compliance/water, the network map's water state). */
export interface WaterSettings {
  /**
   * How the period means of pH that decide the class are taken: "hydrogen-ion" (−log10 of the mean
   * of 10^−pH, 环办监测函〔2020〕82号, provisional) or "arithmetic". Default "hydrogen-ion".
   */
  readonly phAveraging?: PhAveraging;
}

/** Settings of the alert routes and the live feed. */
export interface AlertingSettings {
  /** Rule id of the heavy-pollution warning. Default "heavy-pollution-warning". */
  readonly warningRuleId?: string;
  /**
   * The warning-level document the rule follows (the evaluator's `warningPreset`): GET /warning
   * lists its levels. Default DEFAULT_WARNING_PRESET ("2024": yellow, orange, red).
   */
  readonly warningPreset?: WarningPresetId | WarningConfig;
  /** Interval of the SSE heartbeat comment, ms. Default 15 000. */
  readonly heartbeatMs?: number;
  /** How far back `Last-Event-ID` replays from the store, ms. Default 24 h. */
  readonly replayMs?: number;
  /** Local PM2.5 annual target, µg/m³. Default LIANDU_PM25_ANNUAL_TARGET.value (32). */
  readonly pm25AnnualTarget?: number;
  /** A station is silent after this many reporting intervals without a reading. Default 3. */
  readonly silentAfterIntervals?: number;
}

/** The settled context the routes use. */
export interface ApiContext {
  readonly store: TimeSeriesStore;
  /** The flags the store's hourly aggregates count as valid (its settings; default N). */
  readonly validFlags: readonly DataFlag[];
  readonly registry: StationRegistry;
  readonly submit: Submit | undefined;
  readonly now: () => number;
  readonly pmRealtimeBasis2012: PmRealtimeBasis;
  readonly concentrationRounding2026: ConcentrationRounding;
  readonly maxPeriods: number;
  /** The NOI grade table in force. */
  readonly noiScheme: NoiScheme;
  readonly water: Required<WaterSettings>;
  readonly bus: Bus | undefined;
  readonly publicUrl: string | undefined;
  readonly alerting: Required<AlertingSettings>;
  /** The rules by id, in file order (undefined: started without the rules file). */
  readonly rules: ReadonlyMap<string, Rule> | undefined;
  /** The live feed of bus "alerts" (present when `bus` is). */
  readonly alertFeed: AlertFeed | undefined;
}

/** Fan-out of the alert events read from the bus to the connected SSE clients of this instance. */
export interface AlertFeed {
  /** Registers a listener; returns its removal. */
  listen(listener: (event: AlertEvent) => void): () => void;
  /** Called once when the feed stops (the app is closing); returns its removal. */
  onStop(callback: () => void): () => void;
  readonly listeners: number;
}

export type { Station };
