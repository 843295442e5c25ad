import { type Bus, type BusMessage, BusMessageTooLargeError, type PublishOptions } from "@qingshan/bus";
import {
  type DeadLetter,
  type DecodeLimits,
  type DecodeResult,
  decodeStationMessage,
  HJ212_DATA_COMMANDS,
  invalidTopic,
  parseStationTopic,
  payloadText,
  type Reading,
  type ReadingSource,
  type Rejection,
  rejection,
  type Station,
  type StationRegistry,
} from "@qingshan/domain";
import {
  describeNonAscii,
  type Hj212Packet,
  hj212ErrorToRejection,
  type InputEnd,
  isDataUpload,
  PacketStreamDecoder,
  PROTOCOL_PROFILES,
  packetToReadings,
  passwordRejection,
  profileForVersion,
  replyFor,
  type StreamItem,
  unansweredWithoutQn,
  unverifiedMn,
} from "@qingshan/hj212";
import { toDeadLetter } from "./dead-letters.ts";
import type { IngestMetrics } from "./metrics.ts";

/** The pino methods the pipeline logs with. */
interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * An input's readings of one station travel as one unit (Kafka: one record, not one per reading;
 * the writer and evaluator accept shared offsets and larger batches).
 */
const TOGETHER: PublishOptions = { together: true };

/** Transport an input arrived on; becomes `DeadLetter.source` and the `source` label of messages_total. */
export const INGEST_SOURCES = ["mqtt", "hj212-tcp", "import", "api"] as const;
export type IngestSource = (typeof INGEST_SOURCES)[number];

export interface SubmitOptions {
  readonly source: IngestSource;
  /** MQTT topic, TCP peer address ("10.0.0.7:50312") or file name. */
  readonly origin: string;
  /** Overrides of the configured limits for this input (e.g. relaxed lateness for a backfill). */
  readonly limits?: Partial<DecodeLimits>;
  /** `Reading.source`; by default derived from `source` and the format. */
  readonly readingSource?: ReadingSource;
}

export interface Hj212SubmitOptions extends SubmitOptions {
  /** The MN named by the MQTT topic `hj212/{MN}`; a packet with another MN is rejected. */
  readonly expectedMn?: string;
  /**
   * Takes a packet of a split message (Flag D = 1) and returns what to decode in its place: nothing
   * while the message's other packets are awaited, the whole message once they all arrived, or
   * error items to dead-letter (hj212.md §8 rule 4; see hj212-split.ts). Without it, each packet
   * is decoded on its own.
   */
  readonly takeSplit?: (item: StreamItem & { readonly packet: Hj212Packet }) => readonly StreamItem[];
  /**
   * The input was already counted in messages_total when it arrived (a held split-message part
   * dead-lettered later: timeout, bound, stop); it is not counted again.
   */
  readonly counted?: boolean;
}

/** A decoded input: what will be published, and the HJ 212 replies to send once it was. */
export interface DecodedInput {
  readonly source: IngestSource;
  /** MQTT topic, TCP peer or file name (dead letters written at delivery name it too). */
  readonly origin: string;
  readonly readings: readonly Reading[];
  readonly rejections: readonly Rejection[];
  readonly deadLetters: readonly DeadLetter[];
  /** HJ 212 9014 data responses (concatenated packets) for packets whose Flag asked for one. */
  readonly response?: string;
}

export interface SubmitResult {
  /** Readings handed on to the bus topic "readings". */
  readonly accepted: number;
  /** Everything rejected (each also published as a dead letter). */
  readonly rejections: readonly Rejection[];
  /** HJ 212 replies to send to the station; present only when a packet asked for one. */
  readonly response?: string;
  /**
   * Dead letters the bus refused even without their raw payload (its `maxMessageBytes` for
   * "deadletters" is below a bare dead letter: a configuration error). Not retried: retrying
   * cannot succeed. `deliverWithRetry` logs each in full at error level.
   */
  readonly undeliverableDeadLetters?: readonly DeadLetter[];
}

export interface IngestPipeline {
  /** Decodes a JSON wire message (topic `stations/{stationId}/{kind}`) without publishing. */
  decodeJson(topic: string, payload: string | Uint8Array, options: SubmitOptions): DecodedInput;
  /**
   * A message on an MQTT topic ingest does not take (mistyped, missing or extra levels): its
   * topic.invalid dead letter naming the topic and `expected`, without publishing.
   */
  decodeInvalidTopic(
    topic: string,
    payload: string | Uint8Array,
    options: SubmitOptions & { readonly expected: string },
  ): DecodedInput;
  /**
   * Decodes HJ 212 packets (one or more) without publishing. Give an MQTT payload as its bytes: a
   * byte that is not UTF-8 would otherwise be lost before its reason can name it.
   */
  decodeHj212(payload: string | Uint8Array, options: Hj212SubmitOptions): DecodedInput;
  /** Decodes one item of a {@link PacketStreamDecoder} (TCP) without publishing. */
  decodeHj212Item(item: StreamItem, options: Hj212SubmitOptions): DecodedInput;
  /** Publishes readings and dead letters; resolves once the bus accepted both. */
  deliver(decoded: DecodedInput): Promise<SubmitResult>;
  /** decodeJson + deliver. */
  submitJson(topic: string, payload: string | Uint8Array, options: SubmitOptions): Promise<SubmitResult>;
  /** decodeHj212 + deliver. */
  submitHj212(payload: string | Uint8Array, options: Hj212SubmitOptions): Promise<SubmitResult>;
}

export interface IngestPipelineDeps {
  readonly bus: Bus;
  readonly registry: StationRegistry;
  /** UTC epoch ms; injected so tests and backfills control "now". */
  readonly clock?: () => number;
  readonly limits?: Partial<DecodeLimits>;
  readonly metrics: IngestMetrics;
  /**
   * Where the HJ 212 edition a station speaks is logged, once per station and edition, and a
   * station sending bytes that are not ASCII, once per station.
   */
  readonly logger?: Pick<Logger, "info" | "warn">;
}

function countBy<T>(
  items: readonly T[],
  label: (item: T) => string,
  add: (value: string, n: number) => void,
) {
  if (items.length === 0) return;
  const first = label(items[0] as T);
  if (items.every((item) => label(item) === first)) {
    add(first, items.length);
    return;
  }
  const counts = new Map<string, number>();
  for (const item of items) counts.set(label(item), (counts.get(label(item)) ?? 0) + 1);
  for (const [value, n] of counts) add(value, n);
}

type OversizeReading = BusMessageTooLargeError["rejected"][number];

function readingSourceOf(reading: Reading): string {
  return reading.source;
}

/**
 * The text of the observation a rejection's path points into (`[244].values.o3` → observation 244
 * of an array): its dead letter keeps that observation, not the whole message (an import batch of
 * 500 made each of its rejected values a 4 KiB copy of the batch). Undefined for a whole-message path.
 */
function rejectedObservation(result: DecodeResult, path: string): string | undefined {
  const index = /^\[(\d+)\]/.exec(path)?.[1];
  const observation = index === undefined ? undefined : result.observations?.[Number(index)];
  return observation === undefined ? undefined : JSON.stringify(observation);
}

/**
 * Dead letters one JSON message makes at most, one per problem; the problems after them are told in
 * one more dead letter with their count (a 120 KB message of 10 000 unknown metric keys made 10 004
 * dead letters, each with a 4 KiB copy of the message: ~40 MB). The message's `rejections` and the
 * rejection counters still hold every problem.
 */
export const MAX_DEAD_LETTERS_PER_MESSAGE = 100;

/**
 * The one dead letter standing for the problems of a message past {@link MAX_DEAD_LETTERS_PER_MESSAGE}:
 * their count by code and the first path of each.
 */
function summaryOfRest(rest: readonly Rejection[]): Rejection {
  const byCode = new Map<string, { n: number; first: string }>();
  for (const r of rest) {
    const seen = byCode.get(r.code);
    if (seen === undefined) byCode.set(r.code, { n: 1, first: r.path });
    else seen.n++;
  }
  const counts = [...byCode]
    .map(([code, { n, first }]) => `${n} ${code} (the first at "${first}")`)
    .join(", ");
  const expected = `at most ${MAX_DEAD_LETTERS_PER_MESSAGE} dead letters per message`;
  return {
    code: "payload.invalid",
    path: "",
    received: `${rest.length} more problems`,
    expected,
    message: `payload.invalid: message has ${rest.length} more problems than the ${MAX_DEAD_LETTERS_PER_MESSAGE} dead-lettered one by one before this one (${expected}): ${counts}; what each names was not stored either`,
  };
}

/** hj212.md status note: HJ 212-2025 adds a heartbeat, CN 9015 (unverified: the 2025 text was not read). */
const HEARTBEAT_CN = "9015";

function isDataCommand(cn: string): boolean {
  return (HJ212_DATA_COMMANDS as readonly string[]).includes(cn);
}

function rejectionCodeOf(r: Rejection): string {
  return r.code;
}

function jsonReadingSource(source: IngestSource): ReadingSource {
  if (source === "mqtt") return "mqtt-json";
  return source === "import" ? "import" : "api";
}

/**
 * What ends an HJ 212 text given whole: a TCP connection, or one message that delimits its packets
 * (MQTT: the packet ends with the message, so a missing tail is not "connection closed").
 */
function inputEnd(options: SubmitOptions): InputEnd {
  if (options.source === "hj212-tcp") return { kind: "connection" };
  const name =
    options.source === "mqtt" ? `MQTT topic ${options.origin}` : `${options.source} input ${options.origin}`;
  return { kind: "message", name };
}

/**
 * The transport-free core of ingest: decode, validate, publish readings (bus topic "readings",
 * key = station id) and dead letters (bus topic "deadletters"), resolve after both publishes
 * resolved. A bad value rejects only itself; good readings of the same message still go through.
 *
 * @example
 * const pipeline = createIngestPipeline({ bus, registry, metrics: createIngestMetrics(new Registry()) });
 * const result = await pipeline.submitJson("stations/ld-aq-01/air", '{"ts":1764295200000,"values":{"pm25":35}}',
 *   { source: "import", origin: "backfill.csv", limits: { maxLatenessMs: 400 * 86_400_000 } });
 * result.accepted // 1
 */
export function createIngestPipeline(deps: IngestPipelineDeps): IngestPipeline {
  const clock = deps.clock ?? Date.now;
  const { bus, registry, metrics } = deps;

  const lookupStation = (id: string) => registry.get(id);

  function decodeJson(topic: string, payload: string | Uint8Array, options: SubmitOptions): DecodedInput {
    metrics.counts.message(options.source);
    const now = clock();
    const result = decodeStationMessage(topic, payload, {
      now,
      lookupStation,
      limits: options.limits === undefined ? deps.limits : { ...deps.limits, ...options.limits },
      source: options.readingSource ?? jsonReadingSource(options.source),
    });
    if (result.rejections.length === 0) {
      return {
        source: options.source,
        origin: options.origin,
        readings: result.readings,
        rejections: result.rejections,
        deadLetters: [],
      };
    }
    const text = payloadText(payload);
    const shown =
      result.rejections.length > MAX_DEAD_LETTERS_PER_MESSAGE
        ? result.rejections.slice(0, MAX_DEAD_LETTERS_PER_MESSAGE)
        : result.rejections;
    const deadLetters = shown.map((r) =>
      toDeadLetter(r, {
        source: options.source,
        origin: options.origin,
        receivedAt: now,
        stationId: result.stationId,
        payload: rejectedObservation(result, r.path) ?? text,
      }),
    );
    if (shown !== result.rejections) {
      deadLetters.push(
        toDeadLetter(summaryOfRest(result.rejections.slice(MAX_DEAD_LETTERS_PER_MESSAGE)), {
          source: options.source,
          origin: options.origin,
          receivedAt: now,
          stationId: result.stationId,
          payload: text,
        }),
      );
    }
    return {
      source: options.source,
      origin: options.origin,
      readings: result.readings,
      rejections: result.rejections,
      deadLetters,
    };
  }

  function decodeInvalidTopic(
    topic: string,
    payload: string | Uint8Array,
    options: SubmitOptions & { readonly expected: string },
  ): DecodedInput {
    metrics.counts.message(options.source);
    const r = invalidTopic(topic, options.expected);
    // A topic's second level that names a registered station (id or HJ 212 MN) files the letter
    // under it, so /deadletters?station= finds e.g. stations/ld-aq-02/air/extra.
    const level = topic.split("/")[1] ?? "";
    const station = level === "" ? undefined : (registry.get(level) ?? registry.byMn(level));
    const deadLetter = toDeadLetter(r, {
      source: options.source,
      origin: options.origin,
      receivedAt: clock(),
      stationId: station?.id,
      payload: payloadText(payload),
    });
    return {
      source: options.source,
      origin: options.origin,
      readings: [],
      rejections: [r],
      deadLetters: [deadLetter],
    };
  }

  function decodePacket(
    packet: Hj212Packet,
    options: Hj212SubmitOptions,
    now: number,
  ): { station?: Station; readings: Reading[]; rejections: Rejection[] } {
    const readingSource =
      options.readingSource ?? (options.source === "hj212-tcp" ? "tcp-hj212" : "mqtt-hj212");
    if (options.expectedMn !== undefined && packet.mn !== options.expectedMn) {
      const expected = `${options.expectedMn}, the MN in topic ${options.origin}`;
      return { readings: [], rejections: [rejection("hj212.field", "MN", packet.mn, expected)] };
    }
    const station = registry.byMn(packet.mn);
    if (!station) return { readings: [], rejections: [unknownMn(packet)] };
    // First: a heartbeat or an upload the station's series does not hold is not taken (counted,
    // answered) from a sender without the station's password either.
    const wrongPassword = passwordRejection(packet, station);
    if (wrongPassword !== undefined) return { station, readings: [], rejections: [wrongPassword] };
    noteVersion(station, packet);
    noteNonAscii(station, packet);
    if (packet.cn === HEARTBEAT_CN) {
      // A station's keep-alive, sent every minute or so: a dead letter each would bury the real rejects.
      metrics.hj212Heartbeats.inc();
      return { station, readings: [], rejections: [] };
    }
    const settings = station.hj212;
    if (
      settings !== undefined &&
      isDataCommand(packet.cn) &&
      !(settings.commands as readonly string[]).includes(packet.cn)
    ) {
      // Another product of the station's series (its hj212.commands): acknowledged, not stored.
      metrics.hj212NotStored.inc({ cn: packet.cn });
      return { station, readings: [], rejections: [] };
    }
    if (isDataCommand(packet.cn)) noteProduct(station, packet.cn);
    const limits = { ...deps.limits, ...options.limits };
    return {
      station,
      ...packetToReadings(packet, station, {
        now,
        limits,
        source: readingSource,
        ...(settings === undefined
          ? {}
          : { codeMap: settings.codes, minuteDataPeriodMs: settings.minuteDataPeriodMs }),
      }),
    };
  }

  /**
   * Warns once per station when a second data product of it is stored (e.g. real-time 2011 and
   * hourly 2061): the store keeps one reading per station, metric and time, so where their times
   * meet one overwrites the other, and both enter the hourly means.
   */
  const productsStored = new Map<string, Set<string>>();
  function noteProduct(station: Station, cn: string): void {
    let seen = productsStored.get(station.id);
    if (seen === undefined) {
      seen = new Set();
      productsStored.set(station.id, seen);
    }
    if (seen.has(cn)) return;
    seen.add(cn);
    if (seen.size !== 2 || deps.logger === undefined) return;
    const commands = [...seen].sort();
    deps.logger.warn(
      { station: station.id, commands },
      `HJ 212 station ${station.id} sends data uploads ${commands.join(" and ")}, and both are stored as the same series: where their times meet one overwrites the other, and both enter the hourly means. List the one to keep in the station's hj212.commands.`,
    );
  }

  /** hj212.md §1.2: versions differ between sources, so log the version (once) and do not reject on it. */
  const versionsSeen = new Set<string>();
  function noteVersion(station: Station, packet: Hj212Packet): void {
    const key = `${station.id} ${packet.flag.version}`;
    if (deps.logger === undefined || versionsSeen.has(key)) return;
    versionsSeen.add(key);
    const context = {
      station: station.id,
      mn: packet.mn,
      flag: packet.flag.value,
      version: packet.flag.version,
    };
    if (PROTOCOL_PROFILES[packet.flag.version] === undefined) {
      deps.logger.warn(
        context,
        `HJ 212 station ${station.id} sends Flag version bits ${packet.flag.version}, of no edition Qingshan knows: read with the ${profileForVersion(packet.flag.version).edition} rules`,
      );
    } else {
      deps.logger.info(
        context,
        `HJ 212 station ${station.id} speaks ${profileForVersion(packet.flag.version).edition}`,
      );
    }
  }

  /**
   * hj212.md §1: text that is not ASCII has no encoding the standard fixes; "log them". Once per
   * station (its packets are read as UTF-8; a value holding such bytes is dead-lettered naming them).
   */
  const nonAsciiSeen = new Set<string>();
  function noteNonAscii(station: Station, packet: Hj212Packet): void {
    const [first] = packet.nonAscii ?? [];
    if (first === undefined || deps.logger === undefined || nonAsciiSeen.has(station.id)) return;
    nonAsciiSeen.add(station.id);
    const where = (packet.nonAscii ?? []).map((item) => item.path);
    deps.logger.warn(
      { station: station.id, mn: packet.mn, cn: packet.cn, qn: packet.qn, nonAscii: where },
      `HJ 212 station ${station.id} sends bytes that are not ASCII (${describeNonAscii(first)}; hj212.md §1: HJ 212 packets are ASCII text): read as UTF-8; logged once per station`,
    );
  }

  /**
   * The station named by the MN of the MQTT topic `hj212/{MN}`, if registered: its dead letters
   * carry its id even when the packet cannot be parsed or names another MN.
   */
  function topicStationId(options: Hj212SubmitOptions): string | undefined {
    return options.expectedMn === undefined ? undefined : registry.byMn(options.expectedMn)?.id;
  }

  /**
   * The station.unknown rejection of a packet from an MN no station has. Not answered (replyFor): a
   * data logger deletes what a 9014 acknowledged, so it keeps and resends the data until the MN is
   * registered. An MN registered in another case (a typo in the registry or the logger) is named.
   */
  function unknownMn(packet: Hj212Packet): Rejection {
    const r = rejection("station.unknown", "MN", packet.mn, "the HJ 212 MN of a registered station");
    const upper = packet.mn.toUpperCase();
    const near = registry.stations.find((s) => s.hj212?.mn.toUpperCase() === upper);
    const hint =
      near === undefined ? "" : ` (station ${near.id} has MN ${near.hj212?.mn}: MNs are compared exactly)`;
    const unanswered =
      packet.flag.needAck && isDataUpload(packet.cn)
        ? "; not answered, so that the station keeps the data and resends them until its MN is registered"
        : "";
    return { ...r, message: `${r.message}${hint}${unanswered}` };
  }

  /** The registered station named by a JSON topic `stations/{stationId}/{kind}`. */
  function jsonTopicStationId(topic: string): string | undefined {
    const id = parseStationTopic(topic)?.stationId;
    return id === undefined ? undefined : registry.get(id)?.id;
  }

  /** The registered station named by the MN of a whole frame that failed its CRC or field checks. */
  function stationOfFrame(raw: string): string | undefined {
    const mn = unverifiedMn(raw);
    return mn === undefined ? undefined : registry.byMn(mn)?.id;
  }

  function decodeItems(items: readonly StreamItem[], options: Hj212SubmitOptions): DecodedInput {
    const now = clock();
    const readings: Reading[] = [];
    const rejections: Rejection[] = [];
    const deadLetters: DeadLetter[] = [];
    const responses: string[] = [];
    const topicStation = topicStationId(options);
    for (const received of items) {
      if (options.counted !== true) metrics.counts.message(options.source);
      const packet = received.packet;
      if (packet?.flag.split && options.takeSplit !== undefined) {
        for (const item of options.takeSplit({ ...received, packet })) decodeItem(item);
      } else {
        decodeItem(received);
      }
    }
    function decodeItem(item: StreamItem): void {
      const context = {
        source: options.source,
        origin: options.origin,
        receivedAt: now,
        stationId: topicStation,
        payload: item.raw,
      };
      if (item.packet === undefined) {
        // hj212.md §3: a packet that fails framing or CRC is never answered; the station resends it.
        let r = item.error
          ? hj212ErrorToRejection(item.error)
          : rejection("payload.malformed", "", item.raw, "an HJ 212 packet");
        // No topic names the station (TCP): the MN of a whole frame does, so that
        // /deadletters?station= finds the packet; a failed CRC leaves that MN unverified.
        const frameStation = options.expectedMn === undefined ? stationOfFrame(item.raw) : undefined;
        if (frameStation !== undefined && r.code === "hj212.crc") {
          r = {
            ...r,
            message: `${r.message} (station ${frameStation} named by the MN of this unverified packet)`,
          };
        }
        rejections.push(r);
        deadLetters.push(toDeadLetter(r, { ...context, stationId: topicStation ?? frameStation }));
        return;
      }
      const packet = item.packet;
      const decoded = decodePacket(packet, options, now);
      readings.push(...decoded.readings);
      rejections.push(...decoded.rejections);
      for (const r of decoded.rejections) {
        deadLetters.push(toDeadLetter(r, { ...context, stationId: decoded.station?.id ?? topicStation }));
      }
      // hj212.md §3: the reply (a 9014 to a data upload whose Flag asks for one, nothing else) is
      // sent only after the packet's readings and dead letters were handed on (after deliver).
      const reply = replyFor(packet, decoded.rejections);
      if (reply !== undefined) responses.push(reply);
      // An upload asking for an answer without a QN to echo: no 9014 can be sent, and it says why.
      const noQn = unansweredWithoutQn(packet, decoded.rejections);
      if (noQn !== undefined) {
        rejections.push(noQn);
        deadLetters.push(toDeadLetter(noQn, { ...context, stationId: decoded.station?.id ?? topicStation }));
      }
    }
    return {
      source: options.source,
      origin: options.origin,
      readings,
      rejections,
      deadLetters,
      ...(responses.length > 0 ? { response: responses.join("") } : {}),
    };
  }

  function decodeHj212(payload: string | Uint8Array, options: Hj212SubmitOptions): DecodedInput {
    const maxBytes = { ...deps.limits, ...options.limits }.maxPayloadBytes;
    const size = typeof payload === "string" ? Buffer.byteLength(payload) : payload.byteLength;
    if (maxBytes !== undefined && size > maxBytes) {
      metrics.counts.message(options.source);
      const r = rejection("payload.too_large", "", `${size} bytes`, `at most ${maxBytes} bytes`);
      const now = clock();
      const dl = toDeadLetter(r, {
        source: options.source,
        origin: options.origin,
        receivedAt: now,
        stationId: topicStationId(options),
        payload: payloadText(payload),
      });
      return {
        source: options.source,
        origin: options.origin,
        readings: [],
        rejections: [r],
        deadLetters: [dl],
      };
    }
    const decoder = new PacketStreamDecoder();
    // The bytes as received: a byte that is not UTF-8 reaches the codec, which names it.
    const bytes =
      typeof payload === "string"
        ? payload
        : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    const items = [...decoder.push(bytes), ...decoder.end(inputEnd(options))];
    // An empty payload (or bare line breaks) yields no item, yet it must still leave a trace.
    if (items.length === 0) items.push({ raw: payloadText(payload) });
    return decodeItems(items, options);
  }

  /**
   * Publishes dead letters; one the bus refuses as too large goes again without its raw payload.
   * Resolves with those it refuses even then (returned to the caller, never retried).
   */
  async function publishDeadLetters(letters: readonly DeadLetter[]): Promise<DeadLetter[]> {
    if (letters.length === 0) return [];
    const messages = letters.map((d) => ({ key: d.stationId ?? "unknown", value: d }));
    try {
      await bus.publish("deadletters", messages);
      return [];
    } catch (error) {
      if (!(error instanceof BusMessageTooLargeError)) throw error;
      const bare = error.rejected.map(({ index }) => {
        const message = messages[index] as BusMessage<DeadLetter>;
        return { ...message, value: { ...message.value, payload: "" } };
      });
      try {
        await bus.publish("deadletters", bare);
        return [];
      } catch (again) {
        if (!(again instanceof BusMessageTooLargeError)) throw again;
        return again.rejected.map(({ index }) => (bare[index] as BusMessage<DeadLetter>).value);
      }
    }
  }

  /**
   * A reading the bus refused as larger than one message may be (a permanent, per-reading
   * rejection): its dead letter, carrying the reading itself as payload.
   */
  function tooLargeDeadLetter(
    decoded: DecodedInput,
    reading: Reading,
    sizeBytes: number,
    limitBytes: number,
  ): { rejection: Rejection; deadLetter: DeadLetter } {
    const r = rejection(
      "bus.message_too_large",
      reading.source === "mqtt-json" || reading.source === "api" || reading.source === "import"
        ? `values.${reading.metric}`
        : reading.metric,
      `${sizeBytes} bytes on the bus`,
      `at most ${limitBytes} bytes (the bus's maxMessageBytes for topic "readings")`,
    );
    const deadLetter = toDeadLetter(r, {
      source: decoded.source,
      origin: decoded.origin,
      receivedAt: reading.receivedAt,
      stationId: reading.stationId,
      payload: JSON.stringify(reading),
    });
    return { rejection: r, deadLetter };
  }

  /** The bus messages of `readings`, keyed by station. */
  function readingMessages(readings: readonly Reading[]): BusMessage<Reading>[] {
    const messages: BusMessage<Reading>[] = new Array(readings.length);
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i] as Reading;
      messages[i] = { key: r.stationId, value: r };
    }
    return messages;
  }

  function countReadings(readings: readonly Reading[]): void {
    if (readings.length === 0) return;
    // One increment per label value, not per reading (a labelled inc hashes its labels each time).
    const source = (readings[0] as Reading).source;
    let same = true;
    for (let i = 1; i < readings.length && same; i++) same = (readings[i] as Reading).source === source;
    if (same) metrics.counts.readingsReceived(source, readings.length);
    else countBy(readings, readingSourceOf, countReadingSource);
  }

  function countReadingSource(source: string, n: number): void {
    metrics.counts.readingsReceived(source, n);
  }

  function countRejectionCode(reason: string, n: number): void {
    metrics.readingsRejected.inc({ reason }, n);
  }

  function result(
    decoded: DecodedInput,
    accepted: number,
    rejections: readonly Rejection[],
    undeliverable: readonly DeadLetter[],
  ): SubmitResult {
    countBy(rejections, rejectionCodeOf, countRejectionCode);
    if (undeliverable.length === 0 && decoded.response === undefined) return { accepted, rejections };
    return {
      accepted,
      rejections,
      ...(undeliverable.length === 0 ? {} : { undeliverableDeadLetters: undeliverable }),
      ...(decoded.response === undefined ? {} : { response: decoded.response }),
    };
  }

  async function deliver(decoded: DecodedInput): Promise<SubmitResult> {
    if (decoded.deadLetters.length === 0) {
      // The usual input: readings only, one publish (no dead letters to publish beside it).
      if (decoded.readings.length > 0) {
        try {
          await bus.publish("readings", readingMessages(decoded.readings), TOGETHER);
        } catch (error) {
          if (!(error instanceof BusMessageTooLargeError)) throw error;
          return withoutOversize(decoded, error.rejected, []);
        }
      }
      countReadings(decoded.readings);
      return result(decoded, decoded.readings.length, decoded.rejections, []);
    }
    // Both publishes must resolve before the caller acknowledges the input (PUBACK, 9014, HTTP 2xx).
    const [readingsOutcome, lettersOutcome] = await Promise.allSettled([
      decoded.readings.length > 0
        ? bus.publish("readings", readingMessages(decoded.readings), TOGETHER)
        : undefined,
      publishDeadLetters(decoded.deadLetters),
    ]);
    // A reading too large for the bus is rejected for good (the others of its publish were
    // accepted): it becomes a dead letter instead of being retried forever. Anything else is
    // transient and thrown, so the caller retries the whole input (at-least-once; the store is idempotent).
    let oversize: readonly OversizeReading[] = [];
    if (readingsOutcome.status === "rejected") {
      if (!(readingsOutcome.reason instanceof BusMessageTooLargeError)) throw readingsOutcome.reason;
      oversize = readingsOutcome.reason.rejected;
    }
    if (lettersOutcome.status === "rejected") throw lettersOutcome.reason;
    const undeliverable = lettersOutcome.value;
    if (oversize.length > 0) return withoutOversize(decoded, oversize, undeliverable);
    countReadings(decoded.readings);
    return result(decoded, decoded.readings.length, decoded.rejections, undeliverable);
  }

  /** The rest of `deliver` once the bus refused `oversize` readings as too large (the others went). */
  async function withoutOversize(
    decoded: DecodedInput,
    oversize: readonly OversizeReading[],
    undeliverable: DeadLetter[],
  ): Promise<SubmitResult> {
    const refused = oversize.map((o) =>
      tooLargeDeadLetter(decoded, decoded.readings[o.index] as Reading, o.sizeBytes, o.limitBytes),
    );
    undeliverable.push(...(await publishDeadLetters(refused.map((t) => t.deadLetter))));
    const skip = new Set(oversize.map((o) => o.index));
    const readings = decoded.readings.filter((_, i) => !skip.has(i));
    countReadings(readings);
    const rejections = [...decoded.rejections, ...refused.map((t) => t.rejection)];
    return result(decoded, readings.length, rejections, undeliverable);
  }

  /**
   * The decoders are pure and should not throw; if one does (a bug), the input still becomes a
   * dead letter instead of stalling its MQTT session or connection.
   */
  function guarded(
    options: Hj212SubmitOptions,
    payload: string | Uint8Array,
    decode: () => DecodedInput,
  ): DecodedInput {
    try {
      return decode();
    } catch (error) {
      return decodeFailed(options, payload, error);
    }
  }

  function guardedJson(topic: string, payload: string | Uint8Array, options: SubmitOptions): DecodedInput {
    // Not through `guarded`: no closure per message.
    try {
      return decodeJson(topic, payload, options);
    } catch (error) {
      return decodeFailed(options, payload, error, topic);
    }
  }

  function decodeFailed(
    options: Hj212SubmitOptions,
    payload: string | Uint8Array,
    error: unknown,
    topic?: string,
  ): DecodedInput {
    const r = rejection(
      "payload.invalid",
      "",
      undefined,
      `a message ingest can decode (internal error: ${(error as Error).message})`,
    );
    const text = typeof payload === "string" ? payload : Buffer.from(payload).toString("utf8");
    const context = {
      source: options.source,
      origin: options.origin,
      receivedAt: clock(),
      // A JSON topic names its station (when registered), an HJ 212 topic its MN.
      stationId: topic === undefined ? topicStationId(options) : jsonTopicStationId(topic),
      payload: text,
    };
    return {
      source: options.source,
      origin: options.origin,
      readings: [],
      rejections: [r],
      deadLetters: [toDeadLetter(r, context)],
    };
  }

  return {
    decodeJson: guardedJson,
    decodeInvalidTopic,
    decodeHj212: (payload, options) => guarded(options, payload, () => decodeHj212(payload, options)),
    decodeHj212Item: (item, options) => guarded(options, item.raw, () => decodeItems([item], options)),
    deliver,
    submitJson: (topic, payload, options) => deliver(guardedJson(topic, payload, options)),
    submitHj212: (payload, options) =>
      deliver(guarded(options, payload, () => decodeHj212(payload, options))),
  };
}
