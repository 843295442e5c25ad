import type { Rejection, Station, StationRegistry } from "@qingshan/domain";
import type { NoiSchemeId } from "@qingshan/standards";
import type { TimeSeriesStore } from "@qingshan/store";
import type { FastifyBaseLogger } from "fastify";
import type { Registry } from "prom-client";
import type { PmRealtimeBasis } from "./series/aqi-inputs.ts";

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
  /** Most periods one query may produce (hours, days or months). Default 10 000. */
  readonly maxPeriods?: number;
  /** NOI grading scheme (all shipped schemes are provisional). Default the standards package's default. */
  readonly noiScheme?: NoiSchemeId;
}

/** The settled context the routes use. */
export interface ApiContext {
  readonly store: TimeSeriesStore;
  readonly registry: StationRegistry;
  readonly submit: Submit | undefined;
  readonly now: () => number;
  readonly pmRealtimeBasis2012: PmRealtimeBasis;
  readonly maxPeriods: number;
  readonly noiScheme: NoiSchemeId | undefined;
}

export type { Station };
