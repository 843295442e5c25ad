import type { KafkaLogEntry } from "./config.ts";

/**
 * kafkajs logs routine group coordination as errors: a coordinator still loading its offsets, a
 * heartbeat answered "rebalancing", a consumer crash that kafkajs restarts from at once. Their
 * level is lowered here; the bus' health (readiness) tells whether the consumer recovered.
 */
const ROUTINE_ERRORS: readonly { readonly test: RegExp; readonly level: KafkaLogEntry["level"] }[] = [
  { test: /coordinator is loading|COORDINATOR_LOAD_IN_PROGRESS/i, level: "info" },
  { test: /rebalanc|REBALANCE_IN_PROGRESS|rejoin is needed/i, level: "debug" },
  // kafkajs logs the Kafka error's message, not its type: GROUP_COORDINATOR_NOT_AVAILABLE (code 15)
  // reads "The group coordinator is not available" (a group whose coordinator is still being elected).
  {
    test: /NOT_COORDINATOR|not the correct coordinator|GROUP_COORDINATOR_NOT_AVAILABLE|group coordinator is not available/i,
    level: "info",
  },
  // Several services creating the same topics at once: kafkajs logs the CreateTopics response as an
  // error before its admin finds every topic error is TOPIC_ALREADY_EXISTS and returns false. The
  // line does not say which error it was; any other one fails createTopics, and the bus then logs
  // each topic's error itself at error level (kafka-bus.ts, ensureTopics).
  { test: /^Response CreateTopics\(.*Topic creation errors/, level: "info" },
  // Leadership moving (or not settled yet on a topic just created): kafkajs refreshes its metadata and retries.
  {
    test: /LEADER_NOT_AVAILABLE|There is no leader for this topic-partition|not the leader for that topic-partition|does not host this topic-partition/i,
    level: "info",
  },
];

/** Connection failures, repeated by kafkajs on every retry while the brokers are away. */
const CONNECTION_ERROR =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|Connection (error|timeout)|Failed to connect|Closed connection|connection.*closed|KafkaJSConnection/i;

const LEVELS = ["debug", "info", "warn", "error"] as const;

function lower(a: KafkaLogEntry["level"], b: KafkaLogEntry["level"]): KafkaLogEntry["level"] {
  return LEVELS.indexOf(a) < LEVELS.indexOf(b) ? a : b;
}

function textOf(entry: KafkaLogEntry): string {
  const error = entry.extra.error;
  return `${entry.message} ${typeof error === "string" ? error : ""}`;
}

/**
 * Sits between kafkajs' log lines and `onLog`: lowers routine coordination noise (see
 * ROUTINE_ERRORS) and rate-limits connection errors. The first connection error of a kind (its
 * namespace and message) goes out at warn; its repeats within `windowMs` are counted, and at the
 * end of the window one warn line says how often it recurred (and the last error), then the next
 * window begins. Any other line passes unchanged.
 */
export class KafkaLogFilter {
  private readonly repeats = new Map<
    string,
    { count: number; last: KafkaLogEntry; timer: NodeJS.Timeout | undefined }
  >();

  constructor(
    private readonly out: (entry: KafkaLogEntry) => void,
    private readonly windowMs = 60_000,
  ) {}

  log(entry: KafkaLogEntry): void {
    if (entry.level === "error" || entry.level === "warn") {
      const text = textOf(entry);
      // kafkajs logs every consumer crash as an error before it decides on a restart; the bus logs
      // its own line with the outcome (error when not restarted), so this one is a warning.
      if (/^Crash: /.test(entry.message) && entry.level === "error") {
        this.out({ ...entry, level: "warn" });
        return;
      }
      const routine = ROUTINE_ERRORS.find((r) => r.test.test(text));
      if (routine !== undefined) {
        this.out({ ...entry, level: lower(routine.level, entry.level) });
        return;
      }
      if (CONNECTION_ERROR.test(text)) {
        this.rateLimited(entry);
        return;
      }
    }
    this.out(entry);
  }

  /** Ends every window now, writing the summaries still due. */
  flush(): void {
    for (const key of [...this.repeats.keys()]) this.endWindow(key);
  }

  private rateLimited(entry: KafkaLogEntry): void {
    // Digits vary between repeats (ports, retry counts, times): not part of the kind.
    const key = `${entry.namespace}\u0000${entry.message.replace(/\d+/g, "#")}`;
    const known = this.repeats.get(key);
    if (known !== undefined) {
      known.count++;
      known.last = entry;
      return;
    }
    this.out({ ...entry, level: "warn" });
    const timer = setTimeout(() => this.endWindow(key), this.windowMs);
    timer.unref();
    this.repeats.set(key, { count: 0, last: entry, timer });
  }

  private endWindow(key: string): void {
    const window = this.repeats.get(key);
    if (window === undefined) return;
    clearTimeout(window.timer);
    this.repeats.delete(key);
    if (window.count === 0) return;
    const { last } = window;
    this.out({
      level: "warn",
      namespace: last.namespace,
      message: `${last.message} (repeated ${window.count} times in the last ${Math.round(this.windowMs / 1000)} s)`,
      extra: { ...last.extra, repeated: window.count },
    });
    // The next repeat opens a new window; it is counted there, not written at once.
    const timer = setTimeout(() => this.endWindow(key), this.windowMs);
    timer.unref();
    this.repeats.set(key, { count: 0, last, timer });
  }
}
