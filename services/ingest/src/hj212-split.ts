import type { Hj212Packet, SplitPart, StreamItem } from "@qingshan/hj212";
import { Hj212Error, SplitReassembler } from "@qingshan/hj212";
import type { Logger } from "pino";
import type { DecodedInput, Hj212SubmitOptions, IngestPipeline } from "./ingest-pipeline.ts";

/** Default of hj212.splitTimeoutMs: how long the parts of a split message are held. */
export const DEFAULT_SPLIT_TIMEOUT_MS = 60_000;
/** Default of hj212.maxPendingSplitMessages: split messages held at most, per transport. */
export const DEFAULT_MAX_PENDING_SPLIT_MESSAGES = 1000;
/** Default of hj212.maxPendingSplitBytes: bytes of split-message packets held at most, per transport. */
export const DEFAULT_MAX_PENDING_SPLIT_BYTES = 16 * 1024 * 1024;

interface Settle {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function settle(): Settle {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody need wait for a part (TCP does not): its rejection is never "unhandled".
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** What a held part remembers: where it came from (for its dead letter) and who waits for it. */
interface PartTag {
  readonly options: Hj212SubmitOptions;
  readonly raw: string;
  readonly settle: Settle;
}

/** One HJ 212 input decoded with its split parts taken out. */
export interface SplitDecoded {
  /**
   * What to hand on now: the input's unsplit packets, the whole message of every split message
   * this input completed, and dead letters of parts that cannot be reassembled.
   */
  readonly decoded: DecodedInput;
  /**
   * To call once `decoded` was handed on (no argument), or with the error when its delivery was
   * given up: settles the parts of the messages it completed or rejected, received before in other
   * inputs (their MQTT PUBACKs wait for it).
   */
  handedOn(error?: unknown): void;
  /**
   * Resolves once every split part of this input was handed on within its message or
   * dead-lettered (complete, timed out, inconsistent, stopped); rejects when that delivery was given
   * up. Undefined when the input held no part.
   */
  held(): Promise<void> | undefined;
}

export interface SplitMessages {
  /** Decodes the HJ 212 packets of one input (an MQTT message) like `pipeline.decodeHj212`, reassembling split messages. */
  decodeText(payload: string | Uint8Array, options: Hj212SubmitOptions): SplitDecoded;
  /** Decodes one packet of a TCP stream like `pipeline.decodeHj212Item`, reassembling split messages. */
  decodeItem(item: StreamItem, options: Hj212SubmitOptions): SplitDecoded;
  /** Messages with parts held. */
  readonly pending: number;
  /**
   * Dead-letters the parts of every message still incomplete ("… received before ingest stopped")
   * and resolves once those dead letters were handed on; later parts are dead-lettered at once.
   */
  stop(): Promise<void>;
}

/** A transport's split-message settings, named as in its config (defaults applied here). */
export interface SplitSettings {
  /** hj212.splitTimeoutMs (default {@link DEFAULT_SPLIT_TIMEOUT_MS}): an incomplete message is dead-lettered this long after its first part. */
  readonly splitTimeoutMs?: number;
  /**
   * hj212.maxPendingSplitMessages (default {@link DEFAULT_MAX_PENDING_SPLIT_MESSAGES}): a part that
   * starts one more message dead-letters the oldest held message's parts at once.
   */
  readonly maxPendingSplitMessages?: number;
  /**
   * hj212.maxPendingSplitBytes (default {@link DEFAULT_MAX_PENDING_SPLIT_BYTES}): the oldest messages
   * are dead-lettered to keep the packets held within it; a message alone above it is rejected.
   */
  readonly maxPendingSplitBytes?: number;
}

export interface SplitMessagesOptions {
  readonly pipeline: IngestPipeline;
  readonly settings: SplitSettings;
  /** Hands dead letters of given-up parts on (the transport's deliverWithRetry). */
  readonly deliver: (decoded: DecodedInput) => Promise<unknown>;
  readonly logger: Logger;
}

/**
 * Reassembly of HJ 212 split messages (Flag D = 1; hj212.md §1.2, §8 rule 4) for one transport.
 * Parts are keyed by (MN, QN) for the whole transport, not per TCP connection or MQTT session: a
 * station may reconnect between two parts (idle timeout, network), and MQTT shared subscriptions
 * spread one topic's messages over this process's sessions; MN and QN are what the standard names.
 * The whole message is decoded by the pipeline exactly like an unsplit packet (same validation,
 * dead letters, readings, 9014 reply). A part held is settled only when its message was handed on
 * or its parts were dead-lettered: incomplete after `splitTimeoutMs`, inconsistent (other PNUM, CN or
 * ST), given up as the oldest when more than `maxPendingSplitMessages` messages (or
 * `maxPendingSplitBytes`) would be
 * held, or at `stop`. A part resent unchanged adds nothing and is settled with its message.
 *
 * @example
 * const splits = createSplitMessages({ pipeline, settings: { splitTimeoutMs: 60_000 }, deliver: (d) => deliverWithRetry(pipeline, d, retry), logger });
 * const { decoded, handedOn, held } = splits.decodeItem(item, { source: "hj212-tcp", origin });
 */
export function createSplitMessages(options: SplitMessagesOptions): SplitMessages {
  const { pipeline, logger, settings } = options;
  const reassembler = new SplitReassembler<PartTag>({
    timeoutMs: settings.splitTimeoutMs ?? DEFAULT_SPLIT_TIMEOUT_MS,
    maxPending: settings.maxPendingSplitMessages ?? DEFAULT_MAX_PENDING_SPLIT_MESSAGES,
    maxPendingBytes: settings.maxPendingSplitBytes ?? DEFAULT_MAX_PENDING_SPLIT_BYTES,
    settingNames: {
      maxPending: "hj212.maxPendingSplitMessages",
      maxPendingBytes: "hj212.maxPendingSplitBytes",
    },
  });
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  let stopped = false;

  function schedule(): void {
    const at = reassembler.nextExpiry();
    if (at === undefined || stopped) {
      clearTimeout(timer);
      timer = undefined;
      timerAt = Number.POSITIVE_INFINITY;
      return;
    }
    if (timer !== undefined && timerAt <= at) return;
    clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(onTimer, Math.max(0, at - Date.now()));
    timer.unref();
  }

  function onTimer(): void {
    timer = undefined;
    timerAt = Number.POSITIVE_INFINITY;
    void abandon(reassembler.expire(Date.now()));
    schedule();
  }

  /** Each part once (a resend is settled with the part it repeats), in the order given. */
  function distinct(parts: readonly SplitPart<PartTag>[]): Map<string, SplitPart<PartTag>[]> {
    const byRaw = new Map<string, SplitPart<PartTag>[]>();
    for (const part of parts) {
      const same = byRaw.get(part.tag.raw);
      if (same) same.push(part);
      else byRaw.set(part.tag.raw, [part]);
    }
    return byRaw;
  }

  /** Dead-letters the parts of given-up messages, each with the options it arrived with. */
  function abandon(messages: readonly { error: Hj212Error; parts: readonly SplitPart<PartTag>[] }[]) {
    const done: Promise<void>[] = [];
    for (const message of messages) {
      logger.warn({ reason: message.error.message }, "HJ 212 split message dead-lettered");
      for (const [raw, same] of distinct(message.parts)) {
        const first = same[0] as SplitPart<PartTag>;
        // Each part was counted in messages_total when it arrived: its dead letter is not another message.
        const decoded = pipeline.decodeHj212Item(
          { raw, error: message.error },
          { ...first.tag.options, counted: true },
        );
        done.push(
          options.deliver(decoded).then(
            () => {
              for (const part of same) part.tag.settle.resolve();
            },
            (error: unknown) => {
              for (const part of same) part.tag.settle.reject(error);
            },
          ),
        );
      }
    }
    return Promise.all(done).then(() => undefined);
  }

  function decode(run: (take: Hj212SubmitOptions["takeSplit"]) => DecodedInput, options: Hj212SubmitOptions) {
    /** Parts of this input (their settles) and parts settled by this input's delivery. */
    const own: Promise<void>[] = [];
    const settledByThis: Settle[] = [];
    const take = (item: StreamItem & { readonly packet: Hj212Packet }): readonly StreamItem[] => {
      if (stopped) {
        const error = new Hj212Error(
          "bad-field",
          `split message MN=${item.packet.mn} QN=${item.packet.qn ?? ""}: packet ${item.packet.pno} of ${item.packet.pnum} received while ingest stops; not reassembled`,
          {
            path: "PNO",
            received: String(item.packet.pno),
            expected: "packets received before ingest stops",
          },
        );
        return [{ raw: item.raw, error }];
      }
      const tag: PartTag = { options, raw: item.raw, settle: settle() };
      own.push(tag.settle.promise);
      const outcome = reassembler.add(item.packet, tag, Date.now());
      switch (outcome.kind) {
        case "pending":
        case "duplicate":
          // Older messages given up to keep within the bounds: dead-lettered now, their held parts
          // (MQTT PUBACKs) settled once those dead letters were handed on, as after a timeout.
          if (outcome.evicted !== undefined) void abandon(outcome.evicted);
          schedule();
          return [];
        case "complete":
          for (const part of outcome.parts) settledByThis.push(part.tag.settle);
          schedule();
          return [{ packet: outcome.packet, raw: outcome.packet.raw }];
        case "rejected":
          for (const part of outcome.parts) settledByThis.push(part.tag.settle);
          schedule();
          return [...distinct(outcome.parts).keys()].map((raw) => ({ raw, error: outcome.error }));
      }
    };
    const decoded = run(take);
    return {
      decoded,
      handedOn(error?: unknown) {
        for (const s of settledByThis) {
          if (error === undefined) s.resolve();
          else s.reject(error);
        }
      },
      held: () => (own.length === 0 ? undefined : Promise.all(own).then(() => undefined)),
    } satisfies SplitDecoded;
  }

  return {
    decodeText: (payload, submit) =>
      decode((takeSplit) => pipeline.decodeHj212(payload, { ...submit, takeSplit }), submit),
    decodeItem: (item, submit) =>
      decode((takeSplit) => pipeline.decodeHj212Item(item, { ...submit, takeSplit }), submit),
    get pending() {
      return reassembler.pending;
    },
    stop() {
      stopped = true;
      schedule();
      return abandon(reassembler.drain("before ingest stopped"));
    },
  };
}
