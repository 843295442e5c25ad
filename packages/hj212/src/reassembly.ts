import { parseCp } from "./cp.ts";
import { Hj212Error } from "./errors.ts";
import { encodeFlag } from "./flag.ts";
import type { Hj212Packet } from "./packet.ts";

/** One packet of a split message (Flag D = 1), with the caller's tag (its origin, its acknowledgement). */
export interface SplitPart<T> {
  readonly packet: Hj212Packet;
  readonly tag: T;
  /** When it arrived (ms, the caller's clock). */
  readonly receivedAt: number;
}

/** What became of a part given to {@link SplitReassembler.add}. */
export type SplitOutcome<T> =
  /**
   * Held until the other packets arrive. `evicted`: older messages given up at once to keep within
   * the reassembler's bounds (`maxPending`, `maxPendingBytes`); present only when there are any.
   */
  | { readonly kind: "pending"; readonly evicted?: readonly AbandonedMessage<T>[] }
  /**
   * The same packet (same PNO, same text) is already held: a resend; it is settled with its message.
   * `evicted` as for "pending".
   */
  | { readonly kind: "duplicate"; readonly evicted?: readonly AbandonedMessage<T>[] }
  /**
   * Every packet arrived: `packet` is the whole message (CP contents joined in PNO order, Flag
   * without the D bit, A set when any part asked for an answer). `parts` in PNO order, then the
   * duplicates received.
   */
  | { readonly kind: "complete"; readonly packet: Hj212Packet; readonly parts: readonly SplitPart<T>[] }
  /**
   * The part (and, when the message's parts contradict each other, every part held for it) cannot
   * be reassembled: dead-letter `parts` with `error`.
   */
  | { readonly kind: "rejected"; readonly error: Hj212Error; readonly parts: readonly SplitPart<T>[] };

/** A message whose parts were given up (timeout, a bound exceeded, or {@link SplitReassembler.drain}). */
export interface AbandonedMessage<T> {
  readonly mn: string;
  readonly qn: string;
  readonly error: Hj212Error;
  /** The parts held, in PNO order, then the duplicates received. */
  readonly parts: readonly SplitPart<T>[];
}

interface Group<T> {
  readonly mn: string;
  readonly qn: string;
  readonly pnum: number;
  readonly cn: string;
  readonly st: string;
  readonly firstAt: number;
  readonly parts: Map<number, SplitPart<T>>;
  readonly duplicates: SplitPart<T>[];
  /** Characters of the packets held (parts and duplicates). */
  size: number;
}

export interface SplitReassemblerOptions {
  /** An incomplete message is given up this long after its first part (see {@link SplitReassembler.expire}). */
  readonly timeoutMs: number;
  /**
   * At most this many messages held: a part that starts one more gives the oldest up at once
   * (returned as `evicted`). Default: no bound.
   */
  readonly maxPending?: number;
  /**
   * At most this many characters of packets held (parts and resends; a packet is ASCII, hj212.md
   * §3.1): the oldest other messages are given up to keep within it; a message that alone exceeds it
   * is rejected. Default: no bound.
   */
  readonly maxPendingBytes?: number;
  /** Names of the bounds' settings, added to the reasons ("… pending (hj212.maxPendingSplitMessages)"). */
  readonly settingNames?: { readonly maxPending?: string; readonly maxPendingBytes?: string };
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

function splitError(
  path: string,
  detail: string,
  received: string | undefined,
  expected: string,
): Hj212Error {
  return new Hj212Error("bad-field", detail, {
    path,
    ...(received === undefined ? {} : { received }),
    expected,
  });
}

/** The content between `CP=&&` and the closing `&&` of a whole packet. */
function cpContent(raw: string): string {
  const match = /(?:^##\d{4}|;)CP=&&/.exec(raw);
  const end = raw.lastIndexOf("&&");
  if (match === null || end < match.index + match[0].length) return "";
  return raw.slice(match.index + match[0].length, end);
}

/**
 * Joins the packets of one split message (hj212.md §8 rule 4), given in PNO order: their CP
 * contents joined with `;` (each part's CP is whole groups and items: a part that cuts an item fails
 * its own parse), a `DataTime` repeated by later parts with the same value kept once. Header fields
 * (QN, ST, CN, PW, MN, extra) are the first part's; Flag loses D and has A when any part has it.
 *
 * @throws Hj212Error "bad-field" when parts disagree on DataTime or repeat a CP key
 */
export function joinSplitMessage(parts: readonly Hj212Packet[]): Hj212Packet {
  const [first] = parts;
  if (first === undefined) throw new RangeError("joinSplitMessage needs at least one packet");
  let dataTime: string | undefined;
  let dataTimePno = 0;
  const contents: string[] = [];
  for (const part of parts) {
    const groups = cpContent(part.raw)
      .split(";")
      .map((group) =>
        group
          .split(",")
          .filter((item) => {
            if (!item.startsWith("DataTime=")) return true;
            const value = item.slice("DataTime=".length);
            if (dataTime === undefined) {
              dataTime = value;
              dataTimePno = part.pno ?? 0;
              return true;
            }
            if (value === dataTime) return false;
            throw splitError(
              "CP.DataTime",
              `split message MN=${first.mn} QN=${first.qn ?? ""}: packet ${part.pno} has DataTime ${value}, packet ${dataTimePno} has ${dataTime}`,
              value,
              `the DataTime of packet ${dataTimePno} (${dataTime})`,
            );
          })
          .join(","),
      )
      .filter((group) => group !== "");
    contents.push(...groups);
  }
  let cp: Hj212Packet["cp"];
  try {
    cp = parseCp(contents.join(";"));
  } catch (error) {
    if (!(error instanceof Hj212Error)) throw error;
    throw new Hj212Error(
      error.code,
      `split message MN=${first.mn} QN=${first.qn ?? ""}: ${error.message.replace(/^[a-z-]+: /, "")} across its packets`,
      {
        path: error.path,
        ...(error.received === undefined ? {} : { received: error.received }),
        expected: error.expected,
      },
    );
  }
  const needAck = parts.some((p) => p.flag.needAck);
  const value = encodeFlag({ version: first.flag.version, split: false, needAck });
  const packet: Hj212Packet = {
    raw: parts.map((p) => p.raw).join(""),
    st: first.st,
    cn: first.cn,
    mn: first.mn,
    flag: { value, needAck, split: false, version: first.flag.version },
    extra: first.extra,
    cp,
  };
  if (first.qn !== undefined) packet.qn = first.qn;
  if (first.pw !== undefined) packet.pw = first.pw;
  if (cp.dataTime !== undefined) packet.dataTime = cp.dataTime;
  // Offsets stay those within each packet, named by its PNO.
  const nonAscii = parts.flatMap((p) => (p.nonAscii ?? []).map((item) => ({ ...item, pno: p.pno ?? 0 })));
  if (nonAscii.length > 0) packet.nonAscii = nonAscii;
  return packet;
}

/**
 * Reassembles split HJ 212 messages (Flag D = 1) by (MN, QN) using PNUM/PNO (hj212.md §1.2,
 * §8 rule 4). Pure: no I/O, no clock, no timer; the caller passes `now` and calls
 * {@link expire} (e.g. at {@link nextExpiry}). A message is complete once PNUM distinct PNOs
 * arrived; a resent part is held once (its tag kept, so the caller can settle it with its message).
 * Parts of one MN and QN that disagree on PNUM, CN or ST are rejected together.
 *
 * @example
 * const r = new SplitReassembler<string>({ timeoutMs: 60_000 });
 * r.add(parsePacket(part2), "a", now) // { kind: "pending" }
 * r.add(parsePacket(part1), "b", now) // { kind: "complete", packet, parts }
 */
export class SplitReassembler<T> {
  readonly timeoutMs: number;
  readonly maxPending: number;
  readonly maxPendingBytes: number;
  readonly #settingNames: SplitReassemblerOptions["settingNames"];
  /** In the order their first part arrived: the first is the oldest. */
  readonly #groups = new Map<string, Group<T>>();
  #bytes = 0;

  constructor(options: SplitReassemblerOptions) {
    if (!(options.timeoutMs > 0)) throw new RangeError("timeoutMs must be positive");
    const maxPending = options.maxPending ?? Number.POSITIVE_INFINITY;
    const maxPendingBytes = options.maxPendingBytes ?? Number.POSITIVE_INFINITY;
    if (!(maxPending >= 1)) throw new RangeError("maxPending must be at least 1");
    if (!(maxPendingBytes >= 1)) throw new RangeError("maxPendingBytes must be at least 1");
    this.timeoutMs = options.timeoutMs;
    this.maxPending = maxPending;
    this.maxPendingBytes = maxPendingBytes;
    this.#settingNames = options.settingNames;
  }

  /** Messages with parts held. */
  get pending(): number {
    return this.#groups.size;
  }

  /** Characters of the packets held (parts and resends). */
  get pendingBytes(): number {
    return this.#bytes;
  }

  /** Adds a packet with the D bit set (one without it is returned whole as complete). */
  add(packet: Hj212Packet, tag: T, now: number): SplitOutcome<T> {
    const part: SplitPart<T> = { packet, tag, receivedAt: now };
    if (!packet.flag.split || packet.pnum === undefined || packet.pno === undefined) {
      return { kind: "complete", packet, parts: [part] };
    }
    if (packet.qn === undefined) {
      // hj212.md §8 rule 4: parts are matched by MN and QN; without a QN they cannot be.
      return {
        kind: "rejected",
        error: splitError(
          "QN",
          `split packet MN=${packet.mn} PNO=${packet.pno} of PNUM=${packet.pnum} has no QN: its message cannot be reassembled`,
          undefined,
          "a QN on every packet of a split message",
        ),
        parts: [part],
      };
    }
    const key = `${packet.mn}\u0000${packet.qn}`;
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = {
        mn: packet.mn,
        qn: packet.qn,
        pnum: packet.pnum,
        cn: packet.cn,
        st: packet.st,
        firstAt: now,
        parts: new Map(),
        duplicates: [],
        size: 0,
      };
      this.#groups.set(key, group);
    }
    const name = `split message MN=${group.mn} QN=${group.qn}`;
    const mismatch: [string, string, string] | undefined =
      packet.pnum !== group.pnum
        ? ["PNUM", String(packet.pnum), String(group.pnum)]
        : packet.cn !== group.cn
          ? ["CN", packet.cn, group.cn]
          : packet.st !== group.st
            ? ["ST", packet.st, group.st]
            : undefined;
    if (mismatch !== undefined) {
      const [field, got, held] = mismatch;
      this.#remove(key, group);
      const earlier = [...group.parts.keys()].sort((a, b) => a - b).join(", ");
      return {
        kind: "rejected",
        error: splitError(
          field,
          `${name} inconsistent: packet ${packet.pno} has ${field}=${got}, packet${group.parts.size > 1 ? "s" : ""} ${earlier} ${field}=${held}; all its packets are rejected`,
          got,
          `${field}=${held} as in the message's other packets`,
        ),
        parts: [...this.#ordered(group), part],
      };
    }
    const held = group.parts.get(packet.pno);
    if (held !== undefined) {
      if (held.packet.raw === packet.raw) {
        group.duplicates.push(part);
        this.#hold(group, part);
        const bounded = this.#bound(key, group);
        if (bounded.kind === "rejected") return bounded;
        return bounded.evicted.length === 0
          ? { kind: "duplicate" }
          : { kind: "duplicate", evicted: bounded.evicted };
      }
      return {
        kind: "rejected",
        error: splitError(
          "PNO",
          `${name}: packet ${packet.pno} of ${group.pnum} received again with other content; the first one is kept`,
          String(packet.pno),
          "each packet once, or resent unchanged",
        ),
        parts: [part],
      };
    }
    group.parts.set(packet.pno, part);
    this.#hold(group, part);
    if (group.parts.size < group.pnum) {
      const bounded = this.#bound(key, group);
      if (bounded.kind === "rejected") return bounded;
      return bounded.evicted.length === 0
        ? { kind: "pending" }
        : { kind: "pending", evicted: bounded.evicted };
    }
    this.#remove(key, group);
    const parts = this.#ordered(group);
    try {
      const whole = joinSplitMessage(
        [...group.parts.keys()]
          .sort((a, b) => a - b)
          .map((pno) => (group.parts.get(pno) as SplitPart<T>).packet),
      );
      return { kind: "complete", packet: whole, parts };
    } catch (error) {
      if (!(error instanceof Hj212Error)) throw error;
      return { kind: "rejected", error, parts };
    }
  }

  /** When the oldest held message times out (ms), or undefined when none is held. */
  nextExpiry(): number | undefined {
    let first: number | undefined;
    for (const group of this.#groups.values()) {
      if (first === undefined || group.firstAt < first) first = group.firstAt;
    }
    return first === undefined ? undefined : first + this.timeoutMs;
  }

  /** Gives up the messages whose first part arrived `timeoutMs` or more before `now`. */
  expire(now: number): AbandonedMessage<T>[] {
    const expired: AbandonedMessage<T>[] = [];
    for (const [key, group] of this.#groups) {
      if (now - group.firstAt < this.timeoutMs) continue;
      this.#remove(key, group);
      expired.push(this.#abandon(group, `within ${seconds(this.timeoutMs)}`));
    }
    return expired;
  }

  /** Gives up every held message (e.g. the receiver stops); `why` ends the reason ("before ingest stopped"). */
  drain(why: string): AbandonedMessage<T>[] {
    const all = [...this.#groups.values()].map((group) => this.#abandon(group, why));
    this.#groups.clear();
    this.#bytes = 0;
    return all;
  }

  #hold(group: Group<T>, part: SplitPart<T>): void {
    group.size += part.packet.raw.length;
    this.#bytes += part.packet.raw.length;
  }

  #remove(key: string, group: Group<T>): void {
    this.#groups.delete(key);
    this.#bytes -= group.size;
  }

  /**
   * Keeps within maxPending and maxPendingBytes after a part of `current` (still incomplete) was
   * held: the oldest other messages are given up; `current` alone above maxPendingBytes is rejected.
   */
  #bound(
    key: string,
    current: Group<T>,
  ):
    | { readonly kind: "kept"; readonly evicted: AbandonedMessage<T>[] }
    | { readonly kind: "rejected"; readonly error: Hj212Error; readonly parts: readonly SplitPart<T>[] } {
    const names = this.#settingNames;
    if (current.size > this.maxPendingBytes) {
      this.#remove(key, current);
      const setting = names?.maxPendingBytes === undefined ? "" : ` (${names.maxPendingBytes})`;
      const { error, parts } = this.#abandon(
        current,
        `so far, more than the ${this.maxPendingBytes} bytes of split messages that may be held${setting}`,
        "dropped incomplete",
      );
      return { kind: "rejected", error, parts };
    }
    const evicted: AbandonedMessage<T>[] = [];
    for (const [oldKey, group] of this.#groups) {
      const overCount = this.#groups.size > this.maxPending;
      const overBytes = this.#bytes > this.maxPendingBytes;
      if (!overCount && !overBytes) break;
      if (oldKey === key) continue;
      this.#remove(oldKey, group);
      const why = overCount
        ? `; more than ${this.maxPending} split messages pending${names?.maxPending === undefined ? "" : ` (${names.maxPending})`}`
        : `; more than ${this.maxPendingBytes} bytes of split messages held${names?.maxPendingBytes === undefined ? "" : ` (${names.maxPendingBytes})`}`;
      evicted.push(this.#abandon(group, why, "dropped incomplete"));
    }
    return { kind: "kept", evicted };
  }

  #abandon(group: Group<T>, why: string, what = "incomplete"): AbandonedMessage<T> {
    const received = [...group.parts.keys()].sort((a, b) => a - b);
    const error = splitError(
      "PNO",
      `split message MN=${group.mn} QN=${group.qn} ${what}: packet${received.length > 1 ? "s" : ""} ${received.join(", ")} of ${group.pnum} received${why.startsWith(";") ? "" : " "}${why}`,
      received.join(", "),
      `packets 1…${group.pnum}`,
    );
    return { mn: group.mn, qn: group.qn, error, parts: this.#ordered(group) };
  }

  #ordered(group: Group<T>): SplitPart<T>[] {
    const byPno = [...group.parts.entries()].sort(([a], [b]) => a - b).map(([, part]) => part);
    return [...byPno, ...group.duplicates];
  }
}
