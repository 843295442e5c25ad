import { AsyncLocalStorage } from "node:async_hooks";
import { HttpError, InfluxDB, type Transport } from "@influxdata/influxdb-client";
import type { AlertEvent, DeadLetter, MetricId, Reading } from "@qingshan/domain";
import { compareStoredAlertEvents, type StorableAlertEvent, storableAlertEvents } from "../alert-events.ts";
import { checkStorable } from "../check-readings.ts";
import { StoreError } from "../errors.ts";
import { HOUR_MS, hourEndOf } from "../hour.ts";
import { type HourlyColumns, hourlyColumnsOf } from "../hourly-columns.ts";
import { createLifecycle } from "../lifecycle.ts";
import { createSerialQueue } from "../serial-queue.ts";
import type {
  AlertEventQuery,
  DeadLetterQuery,
  HourlyAggregate,
  ReadingQuery,
  RetentionResult,
  SeriesQuery,
  TimeSeriesStore,
  WriteOptions,
} from "../store.ts";
import { classifyInfluxError, type InfluxOperation, isTransient } from "./classify-error.ts";
import {
  type InfluxStoreConfig,
  type InfluxStoreSettings,
  influxRetentionMs,
  parseInfluxStoreConfig,
} from "./config.ts";
import { anyOf, MAX_MS, MEASUREMENT, quoteIdent, quoteString, timeNs } from "./influxql.ts";
import {
  alertEventLine,
  deadLetterLine,
  hourlyLine,
  hourMean,
  mergeHour,
  mergeStateOf,
  type Row,
  readingLine,
  rowToDeadLetter,
  rowToHourly,
  rowToReading,
} from "./lines.ts";

/** How long `health()` waits for /ping (at most the request timeout), like the Kafka bus's 1500 ms. */
const HEALTH_TIMEOUT_MS = 1_500;

/** A TimeSeriesStore on an InfluxDB server, through its 1.x HTTP API (/write, /query, /ping). */
export interface InfluxStore extends TimeSeriesStore {
  /** The configuration in force, defaults applied. */
  readonly settings: InfluxStoreSettings;
}

interface Series {
  readonly name: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly columns: readonly string[];
  readonly values: readonly (readonly unknown[])[];
}
interface StatementResult {
  readonly series?: readonly Series[];
  readonly error?: string;
}

const SCHEMA_VERSION = "1";
/** Hours recomputed per query when a write or a rebuild touches a long time span. */
const RECOMPUTE_WINDOW_MS = 7 * 24 * HOUR_MS;

/** An hour of one series that a write touched, with the batch's readings of it. */
interface TouchedHour {
  readonly station: string;
  readonly metric: string;
  readonly hourEnd: number;
  readonly readings: Reading[];
}
/** Ids per existence check of alert events (keeps the InfluxQL statement short). */
const IDS_PER_QUERY = 200;
const FORM = { "content-type": "application/x-www-form-urlencoded" };
const TEXT = { "content-type": "text/plain; charset=utf-8" };

/** The key of one hour of one series (by its label, or by its bucket's start inside a recompute). */
const hourKey = (station: string, metric: string, time: number) => `${station}\u0000${metric}\u0000${time}`;

function rowsOf(series: Series): Row[] {
  return series.values.map((values) => {
    const row: Record<string, unknown> = {};
    series.columns.forEach((column, i) => {
      row[column] = values[i];
    });
    return row;
  });
}

function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
    throw new StoreError(
      "store.query_invalid",
      `limit must be a non-negative integer, received ${String(limit)}`,
    );
  }
}

function checkBound(value: number | undefined, name: string): void {
  if (value !== undefined && (typeof value !== "number" || Number.isNaN(value))) {
    throw new StoreError(
      "store.query_invalid",
      `${name} must be a number of epoch ms, received ${String(value)}`,
    );
  }
}

/** The bounds and limit of a query that has a limit (store.query_invalid for a bad one). */
function checkQuery(query: { readonly from?: number; readonly to?: number; readonly limit?: number }): void {
  checkBound(query.from, "from");
  checkBound(query.to, "to");
  checkLimit(query.limit);
}

/**
 * Creates the InfluxDB store. Validates `config` without I/O (throws store.config_invalid);
 * `start()` pings the server, creates the database when `createDatabase` is "ifMissing", and
 * recomputes hourly aggregates if `validFlags` changed since the last run.
 *
 * Points are serialised with `@influxdata/influxdb-client`'s `Point` and sent through its HTTP
 * transport to the 1.x `/write` endpoint, which InfluxDB 1.x, 2.x and 3.x all serve — the client's
 * `WriteApi` posts to `/api/v2/write`, which 1.x before 1.8 does not have, and retries in the
 * background after rejecting, so a resolved write would not mean a stored one. Reads are InfluxQL
 * on `/query`.
 *
 * Writes are serialized in this process (hourly aggregates are recomputed from raw readings after
 * each write; two interleaved recomputations of one hour could store the older). Run one writer per
 * station (the bus partitions by station) so no two processes write the same hour at once.
 *
 * @example
 * const store = createInfluxStore({ url: "http://127.0.0.1:8086", database: "qingshan" });
 * await store.start();
 * await store.writeReadings(readings);
 * const hours = await store.queryHourly({ stationId: "LD-AIR-01", metric: "pm25", from, to });
 * await store.stop();
 */
export function createInfluxStore(config: InfluxStoreConfig = {}): InfluxStore {
  const settings = parseInfluxStoreConfig(config);
  const { url, database, retentionPolicy: rp } = settings;
  const retention = influxRetentionMs(settings);
  const headers: Record<string, string> = {};
  if (settings.auth.scheme === "basic") {
    const { username, password } = settings.auth;
    headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
  }
  const client = new InfluxDB({
    url,
    timeout: settings.timeoutMs,
    headers,
    ...(settings.auth.scheme === "token" ? { token: settings.auth.token } : {}),
  });
  const transport: Transport = client.transport;
  const writeParams = `db=${encodeURIComponent(database)}${rp === null ? "" : `&rp=${encodeURIComponent(rp)}`}`;
  const validFilter = anyOf("flag", settings.validFlags);
  /** The signal of the write running in the write queue, seen by its requests (see `write`). */
  const writeSignal = new AsyncLocalStorage<AbortSignal>();
  const writes = createSerialQueue();
  const lifecycle = createLifecycle(`${url} (${database})`, url);
  const { assertOpen } = lifecycle;

  /** A measurement as InfluxQL FROM target, qualified by the retention policy when one is set. */
  const from = (measurement: string) =>
    rp === null
      ? quoteIdent(measurement)
      : `${quoteIdent(database)}.${quoteIdent(rp)}.${quoteIdent(measurement)}`;

  /** One HTTP request with bounded retries of transient failures; errors classified. */
  async function request(
    path: string,
    body: string,
    method: "GET" | "POST",
    contentType: Record<string, string>,
    operation: InfluxOperation,
    onHeaders?: (headers: Record<string, unknown>, status: number) => void,
    maxRetries = settings.maxRetries,
    signal?: AbortSignal,
  ): Promise<unknown> {
    // The requests of a write given up (writeReadings' signal) are aborted with it.
    const given = signal ?? writeSignal.getStore();
    for (let attempt = 0; ; attempt++) {
      try {
        const options = { method, headers: contentType, ...(given ? { signal: given } : {}) };
        return await transport.request(path, body, options, (h, status) =>
          onHeaders?.(h as Record<string, unknown>, status ?? 0),
        );
      } catch (error) {
        if (attempt >= maxRetries || !isTransient(error) || given?.aborted) {
          throw classifyInfluxError(error, operation, url, database);
        }
        const retryAfterMs = error instanceof HttpError ? error.retryAfter() : 0;
        const delay = retryAfterMs > 0 ? retryAfterMs : settings.retryDelayMs * 2 ** attempt;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Runs InfluxQL statements (`;`-separated) in one request; a statement's error is thrown. */
  async function influxql(q: string, operation: InfluxOperation = "query"): Promise<StatementResult[]> {
    const body = await request(
      `/query?db=${encodeURIComponent(database)}&epoch=ms`,
      new URLSearchParams({ q }).toString(),
      "POST",
      FORM,
      operation,
    );
    const parsed = (typeof body === "string" ? JSON.parse(body) : body) as {
      results?: StatementResult[];
      error?: string;
    };
    const error = parsed.error ?? parsed.results?.find((r) => r.error !== undefined)?.error;
    if (error !== undefined) {
      throw classifyInfluxError(
        new HttpError(400, "statement error", JSON.stringify({ error }), "application/json"),
        operation,
        url,
        database,
      );
    }
    return parsed.results ?? [];
  }

  /** Posts lines in requests of at most batchSize lines, one after another. */
  async function writeLines(lines: readonly string[], precision: "ms" | "ns"): Promise<void> {
    for (let start = 0; start < lines.length; start += settings.batchSize) {
      const body = lines.slice(start, start + settings.batchSize).join("\n");
      await request(`/write?${writeParams}&precision=${precision}`, body, "POST", TEXT, "write");
    }
  }

  /**
   * Runs `select` (no LIMIT/OFFSET clause) in pages of queryPageSize rows per series and returns
   * every series with all its rows (at most `limit` per series when given).
   */
  async function selectAll(
    select: string,
    limit?: number,
  ): Promise<{ tags: Readonly<Record<string, string>>; rows: Row[] }[]> {
    const bySeries = new Map<string, { tags: Readonly<Record<string, string>>; rows: Row[] }>();
    for (let offset = 0; ; ) {
      const want = Math.min(
        settings.queryPageSize,
        limit === undefined ? Number.MAX_SAFE_INTEGER : limit - offset,
      );
      if (want <= 0) break;
      const [result] = await influxql(`${select} LIMIT ${want}${offset > 0 ? ` OFFSET ${offset}` : ""}`);
      let more = false;
      for (const series of result?.series ?? []) {
        const tags = series.tags ?? {};
        const key = JSON.stringify(tags);
        const entry = bySeries.get(key) ?? { tags, rows: [] };
        bySeries.set(key, entry);
        entry.rows.push(...rowsOf(series));
        if (series.values.length === want) more = true;
      }
      if (!more) break;
      offset += want;
    }
    return [...bySeries.values()];
  }

  /**
   * The rows of a dead letter or alert event query: `from <= time < to` and each tag given equal to
   * its value; ordered by the ms in `msField` and then by `id`, both in `direction`; at most
   * `limit`. InfluxDB orders points of one ms by their id-derived sub-ms offset, so all rows of
   * the last ms kept are fetched and ordered here. `fields` must include `id` and `msField`.
   */
  async function selectRecords(
    measurement: string,
    fields: string,
    query: { readonly from?: number; readonly to?: number; readonly limit?: number },
    tags: Readonly<Record<string, string | undefined>>,
    msField: string,
    direction: "ASC" | "DESC",
  ): Promise<Row[]> {
    const where = [
      ...(query.from !== undefined ? [`time >= ${timeNs(query.from, "ceil")}`] : []),
      ...(query.to !== undefined ? [`time < ${timeNs(query.to, "ceil")}`] : []),
      ...Object.entries(tags).flatMap(([tag, value]) =>
        value === undefined ? [] : [`${tag} = ${quoteString(value)}`],
      ),
    ];
    const { limit } = query;
    const msOf = (row: Row) => row[msField] as number;
    const ascending = (a: Row, b: Row) =>
      msOf(a) - msOf(b) ||
      ((a.id as string) < (b.id as string) ? -1 : (a.id as string) > (b.id as string) ? 1 : 0);
    const compare = direction === "ASC" ? ascending : (a: Row, b: Row) => ascending(b, a);
    const sql = (conditions: readonly string[]) =>
      `SELECT ${fields} FROM ${from(measurement)}` +
      (conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "") +
      ` ORDER BY time ${direction}`;
    let rows = (await selectAll(sql(where), limit)).flatMap((s) => s.rows);
    const last = rows.at(-1);
    if (limit !== undefined && last !== undefined && rows.length === limit) {
      const ms = msOf(last);
      const boundary = (
        await selectAll(
          sql([...where, `time >= ${timeNs(ms, "floor")}`, `time < ${timeNs(ms + 1, "floor")}`]),
        )
      ).flatMap((s) => s.rows);
      rows = [...rows.filter((r) => msOf(r) !== ms), ...boundary];
    }
    return rows.sort(compare).slice(0, limit);
  }

  /**
   * Recomputes the hourly aggregates of the given (station, metric, hourEnd) keys from raw
   * readings — all keys with readings in the span when `keys` is "all" — and writes them.
   */
  async function recomputeHours(
    spans: readonly { lo: number; hi: number; stations?: Set<string>; metrics?: Set<string> }[],
    wanted?: ReadonlySet<string>,
  ): Promise<void> {
    for (const span of spans) {
      const where = [
        ...(span.stations ? [anyOf("station", span.stations)] : []),
        ...(span.metrics ? [anyOf("metric", span.metrics)] : []),
        `time >= ${timeNs(span.lo, "floor")}`,
        `time < ${timeNs(span.hi, "floor")}`,
      ];
      const group = "GROUP BY time(1h), station, metric fill(none)";
      const readings = from(MEASUREMENT.readings);
      const [valid, total] = await influxql(
        `SELECT mean(value), min(value), max(value), count(value), sum(value) AS vsum, sum(period_capped_ms), ` +
          "sum(weighted_value) AS wsum, count(weighted_value) AS wcount, " +
          `min(period_capped_ms) AS wmin, max(period_capped_ms) AS wmax FROM ${readings} ` +
          `WHERE ${[...where, validFilter].join(" AND ")} ${group}; ` +
          `SELECT count(value) FROM ${readings} WHERE ${where.join(" AND ")} ${group}`,
      );
      const validByKey = new Map<string, Row>();
      for (const series of valid?.series ?? []) {
        for (const row of rowsOf(series)) {
          validByKey.set(
            hourKey(series.tags?.station ?? "", series.tags?.metric ?? "", row.time as number),
            row,
          );
        }
      }
      const lines: string[] = [];
      for (const series of total?.series ?? []) {
        const station = series.tags?.station ?? "";
        const metric = series.tags?.metric ?? "";
        for (const row of rowsOf(series)) {
          const hourEnd = (row.time as number) + HOUR_MS; // InfluxQL labels a bucket by its start
          const key = hourKey(station, metric, hourEnd);
          if (wanted !== undefined && !wanted.has(key)) continue;
          const v = validByKey.get(hourKey(station, metric, row.time as number));
          const validCount = (v?.count as number | undefined) ?? 0;
          const valid = validCount > 0 && v !== undefined;
          const weightedCount = (v?.wcount as number | undefined) ?? 0;
          lines.push(
            hourlyLine(
              {
                stationId: station,
                metric: metric as MetricId,
                hourEnd,
                mean: valid
                  ? hourMean({
                      mean: v.mean as number,
                      count: validCount,
                      periodSum: (v.sum as number | undefined) ?? 0,
                      weightedSum: (v.wsum as number | null | undefined) ?? null,
                      weightedCount,
                      minWeight: (v.wmin as number | undefined) ?? 0,
                      maxWeight: (v.wmax as number | undefined) ?? 0,
                    })
                  : null,
                min: valid ? (v.min as number) : null,
                max: valid ? (v.max as number) : null,
                validCount,
                totalCount: row.count as number,
                validPeriodMs: (v?.sum as number | undefined) ?? 0,
              },
              {
                sum: valid ? (v.vsum as number) : 0,
                weightedSum: valid ? ((v.wsum as number | null | undefined) ?? 0) : 0,
                weightedCount: valid ? weightedCount : 0,
                minWeight: valid ? ((v.wmin as number | undefined) ?? 0) : 0,
                maxWeight: valid ? ((v.wmax as number | undefined) ?? 0) : 0,
                // The newest reading's time is not known here (InfluxQL labels a bucket's selectors by
                // its start): any later reading of this hour is taken as a possible rewrite, recomputed.
                newestTs: hourEnd,
              },
            ),
          );
        }
      }
      await writeLines(lines, "ms");
    }
  }

  /**
   * Brings the touched hours up to date after their readings were written: an hour whose stored
   * point has a merge state and whose new readings are all newer than the newest it merged gets
   * them merged in (one read of the hours' points, not of their raw readings); any other hour —
   * a reading that may rewrite a stored one, a point without a trustworthy state — is recomputed
   * from its raw readings.
   */
  async function mergeHours(hours: ReadonlyMap<string, TouchedHour>): Promise<void> {
    const recompute = new Map<string, TouchedHour>();
    const lines: string[] = [];
    for (const span of spansOf([...hours.values()])) {
      const stored = new Map<string, Row>();
      for (const series of await selectAll(
        `SELECT * FROM ${from(MEASUREMENT.hourly)} WHERE ${anyOf("station", span.stations)} AND ` +
          `${anyOf("metric", span.metrics)} AND time > ${timeNs(span.lo, "floor")} AND time <= ${timeNs(span.hi, "floor")} ` +
          "GROUP BY station, metric",
      )) {
        for (const row of series.rows) {
          stored.set(hourKey(series.tags.station ?? "", series.tags.metric ?? "", row.time as number), row);
        }
      }
      for (const [key, touched] of hours) {
        if (touched.hourEnd <= span.lo || touched.hourEnd > span.hi) continue;
        const row = stored.get(key);
        const state = row === undefined ? undefined : mergeStateOf(row);
        if (
          row !== undefined &&
          (state === undefined || touched.readings.some((r) => r.ts <= state.newestTs))
        ) {
          recompute.set(key, touched);
          continue;
        }
        const metric = touched.metric as MetricId;
        const merged = mergeHour(
          row === undefined || state === undefined
            ? undefined
            : { hour: rowToHourly(row, touched.station, metric), state },
          { stationId: touched.station, metric, hourEnd: touched.hourEnd },
          touched.readings,
          settings.validFlags,
        );
        lines.push(hourlyLine(merged.hour, merged.state));
      }
    }
    await writeLines(lines, "ms");
    if (recompute.size > 0) await recomputeHours(spansOf([...recompute.values()]), new Set(recompute.keys()));
  }

  /** Spans of at most RECOMPUTE_WINDOW_MS covering the given hour labels, with their series. */
  function spansOf(hours: readonly { station: string; metric: string; hourEnd: number }[]) {
    const sorted = [...hours].sort((a, b) => a.hourEnd - b.hourEnd);
    const spans: { lo: number; hi: number; stations: Set<string>; metrics: Set<string> }[] = [];
    for (const h of sorted) {
      let span = spans.at(-1);
      if (span === undefined || h.hourEnd - span.lo > RECOMPUTE_WINDOW_MS) {
        span = { lo: h.hourEnd - HOUR_MS, hi: h.hourEnd, stations: new Set(), metrics: new Set() };
        spans.push(span);
      }
      span.hi = h.hourEnd;
      span.stations.add(h.station);
      span.metrics.add(h.metric);
    }
    return spans;
  }

  async function rebuildAllHours(): Promise<void> {
    const readings = from(MEASUREMENT.readings);
    const [first, last] = await influxql(
      `SELECT first(value) FROM ${readings}; SELECT last(value) FROM ${readings}`,
      "start",
    );
    const lo = first?.series?.[0]?.values[0]?.[0];
    const hi = last?.series?.[0]?.values[0]?.[0];
    if (typeof lo !== "number" || typeof hi !== "number") return;
    const spans = [];
    for (let start = hourEndOf(lo) - HOUR_MS; start <= hi; start += RECOMPUTE_WINDOW_MS) {
      spans.push({ lo: start, hi: start + RECOMPUTE_WINDOW_MS });
    }
    await recomputeHours(spans);
  }

  async function prepare(): Promise<void> {
    await ping("start");
    if (settings.createDatabase === "ifMissing") {
      await influxql(`CREATE DATABASE ${quoteIdent(database)}`, "start");
    }
    const [meta] = await influxql(
      `SELECT valid_flags, schema_version FROM ${from(MEASUREMENT.meta)}`,
      "start",
    );
    const stored = meta?.series?.[0] ? rowsOf(meta.series[0]).at(-1) : undefined;
    const flags = [...settings.validFlags].sort().join(",");
    if (stored?.valid_flags !== undefined && stored.valid_flags !== flags) {
      if (settings.hourlyRecompute.onValidFlagsChange === "fail") {
        throw new StoreError(
          "store.valid_flags_changed",
          `hourly aggregates in ${database} were computed with validFlags [${String(stored.valid_flags)}], the configuration says ` +
            `[${flags}]; set store.hourlyRecompute.onValidFlagsChange to "rebuild" to recompute them`,
        );
      }
      await rebuildAllHours();
    }
    await writeLines(
      [
        `${MEASUREMENT.meta} schema_version=${JSON.stringify(SCHEMA_VERSION)},valid_flags=${JSON.stringify(flags)} 0`,
      ],
      "ms",
    );
  }

  async function ping(
    operation: InfluxOperation,
    maxRetries?: number,
    signal?: AbortSignal,
  ): Promise<string> {
    let version = "";
    await request(
      "/ping",
      "",
      "GET",
      {},
      operation,
      (h) => {
        version = String(h["x-influxdb-version"] ?? "");
      },
      maxRetries,
      signal,
    );
    return version;
  }

  /** Runs a write in the write queue; `signal` aborts its requests, queued or running. */
  function write(body: () => Promise<void>, signal?: AbortSignal): Promise<void> {
    assertOpen();
    if (signal === undefined) return writes.run(body);
    return writes.run(() => {
      signal.throwIfAborted();
      return writeSignal.run(signal, body);
    });
  }

  const store: InfluxStore = {
    settings,

    start() {
      return lifecycle.start(prepare);
    },

    stop() {
      return lifecycle.stop(() => writes.idle());
    },

    async writeReadings(readings: readonly Reading[], options?: WriteOptions) {
      assertOpen();
      if (readings.length === 0) return;
      checkStorable(readings);
      readings.forEach((r, i) => {
        if (Math.abs(r.ts) > MAX_MS) {
          throw new StoreError(
            "store.reading_invalid",
            `readings[${i}].ts is ${r.ts}, outside InfluxDB's time range`,
          );
        }
      });
      // The last element of a key wins, as in a later batch. Keyed by station, metric and ts in
      // nested maps: no key string per reading (this runs for every stored reading).
      const byStation = new Map<string, Map<string, Map<number, Reading>>>();
      for (const r of readings) {
        let byMetric = byStation.get(r.stationId);
        if (byMetric === undefined) {
          byMetric = new Map();
          byStation.set(r.stationId, byMetric);
        }
        let byTs = byMetric.get(r.metric);
        if (byTs === undefined) {
          byTs = new Map();
          byMetric.set(r.metric, byTs);
        }
        byTs.set(r.ts, r);
      }
      const lines: string[] = [];
      const hours = new Map<string, TouchedHour>();
      for (const [station, byMetric] of byStation) {
        for (const [metric, byTs] of byMetric) {
          let hour: TouchedHour | undefined;
          for (const r of byTs.values()) {
            lines.push(readingLine(r));
            const hourEnd = hourEndOf(r.ts);
            if (hour?.hourEnd !== hourEnd) {
              const key = hourKey(station, metric, hourEnd);
              hour = hours.get(key);
              if (hour === undefined) {
                hour = { station, metric, hourEnd, readings: [] };
                hours.set(key, hour);
              }
            }
            hour.readings.push(r);
          }
        }
      }
      await write(async () => {
        await writeLines(lines, "ms");
        await mergeHours(hours);
      }, options?.signal);
    },

    async queryReadings(query: ReadingQuery) {
      checkQuery(query);
      return lifecycle.read(async () => {
        const where = [
          `station = ${quoteString(query.stationId)}`,
          ...(query.metric !== undefined ? [`metric = ${quoteString(query.metric)}`] : []),
          `time >= ${timeNs(query.from, "ceil")}`,
          `time < ${timeNs(query.to, "ceil")}`,
        ];
        const series = await selectAll(
          `SELECT value, flag, period_ms, source, received_at FROM ${from(MEASUREMENT.readings)} ` +
            `WHERE ${where.join(" AND ")} GROUP BY metric`,
          query.limit,
        );
        const readings = series.flatMap((s) =>
          s.rows.map((row) => rowToReading(row, query.stationId, s.tags.metric ?? "")),
        );
        readings.sort((a, b) => a.ts - b.ts || (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0));
        return query.limit === undefined ? readings : readings.slice(0, query.limit);
      });
    },

    async queryHourly(query: SeriesQuery): Promise<HourlyAggregate[]> {
      checkBound(query.from, "from");
      checkBound(query.to, "to");
      return lifecycle.read(async () => {
        const [series] = await selectAll(
          `SELECT mean, min, max, valid_count, total_count, valid_period_ms FROM ${from(MEASUREMENT.hourly)} ` +
            `WHERE station = ${quoteString(query.stationId)} AND metric = ${quoteString(query.metric)} ` +
            `AND time > ${timeNs(query.from, "floor")} AND time <= ${timeNs(query.to, "floor")}`,
        );
        return (series?.rows ?? []).map((row) => rowToHourly(row, query.stationId, query.metric));
      });
    },

    async queryHourlyColumns(query: SeriesQuery): Promise<HourlyColumns> {
      return hourlyColumnsOf(query.stationId, query.metric, await store.queryHourly(query));
    },

    async latest(stationId: string) {
      return lifecycle.read(async () => {
        const [result] = await influxql(
          `SELECT value, flag, period_ms, source, received_at FROM ${from(MEASUREMENT.readings)} ` +
            `WHERE station = ${quoteString(stationId)} GROUP BY metric ORDER BY time DESC LIMIT 1`,
        );
        return (result?.series ?? [])
          .flatMap((s) => rowsOf(s).map((row) => rowToReading(row, stationId, s.tags?.metric ?? "")))
          .sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0));
      });
    },

    async writeDeadLetters(letters: readonly DeadLetter[], options?: WriteOptions) {
      assertOpen();
      if (letters.length === 0) return;
      letters.forEach((l, i) => {
        if (
          typeof l.id !== "string" ||
          l.id === "" ||
          !Number.isSafeInteger(l.receivedAt) ||
          Math.abs(l.receivedAt) > MAX_MS
        ) {
          throw new StoreError(
            "store.reading_invalid",
            `letters[${i}] needs a non-empty id and integer receivedAt, received id ${JSON.stringify(l.id)}, receivedAt ${String(l.receivedAt)}`,
          );
        }
      });
      const lines = letters.map(deadLetterLine);
      await write(() => writeLines(lines, "ns"), options?.signal);
    },

    async queryDeadLetters(query: DeadLetterQuery) {
      checkQuery(query);
      return lifecycle.read(async () => {
        const rows = await selectRecords(
          MEASUREMENT.deadLetters,
          "id, received_at, source, origin, path, message, payload, station, code",
          query,
          { station: query.stationId, code: query.code },
          "received_at",
          "DESC",
        );
        return rows.map(rowToDeadLetter);
      });
    },

    async writeAlertEvents(events: readonly AlertEvent[]) {
      assertOpen();
      const storable = storableAlertEvents(events);
      if (storable.length === 0) return;
      for (const [i, s] of storable.entries()) {
        if (Math.abs(s.atMs) > MAX_MS) {
          throw new StoreError(
            "store.event_invalid",
            `events[${i}].at is ${s.event.at}, outside InfluxDB's time range`,
          );
        }
      }
      await write(async () => {
        // Events are immutable: the first stored copy of an id wins, so skip ids already stored.
        const stored = new Set<string>();
        for (let start = 0; start < storable.length; start += IDS_PER_QUERY) {
          const ids = storable.slice(start, start + IDS_PER_QUERY).map((s) => s.event.id);
          const [result] = await influxql(
            `SELECT id FROM ${from(MEASUREMENT.alertEvents)} WHERE ${anyOf("id", ids)}`,
            "write",
          );
          for (const series of result?.series ?? [])
            for (const row of rowsOf(series)) stored.add(row.id as string);
        }
        const lines = storable
          .filter((s) => !stored.has(s.event.id))
          .map((s) => alertEventLine(s.event, s.atMs));
        await writeLines(lines, "ns");
      });
    },

    async queryAlertEvents(query: AlertEventQuery) {
      checkQuery(query);
      return lifecycle.read(async () => {
        const toStorable = (row: Row): StorableAlertEvent => ({
          event: JSON.parse(row.event as string) as AlertEvent,
          atMs: row.at_ms as number,
        });
        const rows = await selectRecords(
          MEASUREMENT.alertEvents,
          "id, at_ms, event",
          query,
          { station: query.stationId, rule: query.ruleId, alert_id: query.alertId },
          "at_ms",
          "ASC",
        );
        return rows
          .map(toStorable)
          .sort(compareStoredAlertEvents)
          .map((s) => s.event);
      });
    },

    async applyRetention(now: number): Promise<RetentionResult> {
      checkBound(now, "now");
      assertOpen();
      if (settings.retention.method === "server") return { readingsDeleted: 0, deadLettersDeleted: 0 };
      let result: RetentionResult = { readingsDeleted: 0, deadLettersDeleted: 0 };
      await write(async () => {
        const purge = async (measurement: string, field: string, horizonMs: number): Promise<number> => {
          if (!Number.isFinite(horizonMs)) return 0;
          const cutoff = `time < ${timeNs(now - horizonMs, "ceil")}`;
          const [counted] = await influxql(
            `SELECT count(${field}) FROM ${from(measurement)} WHERE ${cutoff}`,
            "write",
          );
          const count = (counted?.series?.[0]?.values[0]?.[1] as number | undefined) ?? 0;
          // DELETE takes no retention policy: it removes matching points from every policy.
          if (count > 0) await influxql(`DELETE FROM ${quoteIdent(measurement)} WHERE ${cutoff}`, "write");
          return count;
        };
        result = {
          readingsDeleted: await purge(MEASUREMENT.readings, "value", retention.rawReadingsMs),
          deadLettersDeleted: await purge(MEASUREMENT.deadLetters, "id", retention.deadLettersMs),
        };
      });
      return result;
    },

    async health() {
      if (lifecycle.state !== "started") {
        return { ok: false, detail: `influxdb ${url} (${database}): ${lifecycle.state}` };
      }
      // A server that accepts the connection but does not answer (hung, overloaded, stopped with
      // SIGSTOP) must not hold /readyz for the whole request timeout (10 s): readiness probes give
      // up sooner (Docker's healthcheck after 5 s) and would learn nothing from the answer.
      const boundMs = Math.min(HEALTH_TIMEOUT_MS, settings.timeoutMs);
      const bound = new AbortController();
      const timer = setTimeout(() => bound.abort(), boundMs);
      try {
        const version = await ping("query", 0, bound.signal);
        return {
          ok: true,
          detail: `influxdb ${url} (${database}): ping ok${version ? `, version ${version}` : ""}, ${writes.pending} write(s) queued`,
        };
      } catch (error) {
        if (bound.signal.aborted) {
          return {
            ok: false,
            detail: `influxdb ${url} (${database}): /ping did not answer within ${boundMs} ms`,
          };
        }
        return { ok: false, detail: `influxdb ${url} (${database}): ${(error as Error).message}` };
      } finally {
        clearTimeout(timer);
      }
    },
  };
  return store;
}
