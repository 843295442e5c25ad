import { HJ212_ERROR_CODES, Hj212Error, truncate } from "./errors.ts";
import { withNonAsciiNote } from "./non-ascii.ts";
import { type Hj212Packet, loneTailNote, MAX_DATA_LENGTH, type ParseOptions, parseFrame } from "./packet.ts";

/** One result of the stream decoder: a packet, or an error with the bytes it concerns. */
export interface StreamItem {
  packet?: Hj212Packet;
  error?: Hj212Error;
  /** The packet text, or the skipped bytes (at most {@link MAX_REPORTED_RAW} characters). */
  raw: string;
}

/** Longest raw text kept in one report of skipped bytes (the dead letter keeps 4 KiB). */
export const MAX_REPORTED_RAW = 4096;

const HEADER = Buffer.from("##");
const CRLF = Buffer.from("\r\n");
const HASH = 0x23;

function isLineBreaks(bytes: Buffer): boolean {
  return bytes.every((b) => b === 0x0d || b === 0x0a);
}

function rawText(bytes: Buffer): string {
  return truncate(bytes.toString("utf8"), MAX_REPORTED_RAW);
}

/**
 * Frames HJ 212 packets out of a TCP byte stream (hj212.md §8): scans for `##`, reads the 4-digit
 * length, waits for `2 + 4 + length + 4 + 2` bytes, checks the tail, then the CRC and fields.
 * Partial packets are buffered across chunks; a chunk may hold several packets; bytes outside a
 * packet are skipped and reported once per contiguous run, however the stream was cut into chunks
 * (when a header ends the run, at `end`, or by `flushSkipped`), with the run's length and its first
 * {@link MAX_REPORTED_RAW} bytes; runs of bare CR/LF are skipped silently. The buffer never holds
 * more than one incomplete packet (≤ 1036 bytes) plus the first bytes of the current run.
 *
 * @example
 * const decoder = new PacketStreamDecoder();
 * socket.on("data", (chunk) => { for (const item of decoder.push(chunk)) item.packet ? handle(item.packet) : deadLetter(item) });
 * socket.on("end", () => { for (const item of decoder.end()) deadLetter(item) });
 */
export class PacketStreamDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly options: ParseOptions;
  /** The run of skipped bytes not reported yet: its length, its first bytes, whether it is only CR/LF. */
  private run = { bytes: 0, sample: [] as Buffer[], sampled: 0, visible: false };
  private unframed = 0;

  constructor(options: ParseOptions = {}) {
    this.options = options;
  }

  /** Bytes held while waiting for the rest of a packet. */
  get pending(): number {
    return this.buffer.length;
  }

  /**
   * Bytes received since the last whole frame (a packet, or a frame that failed only its CRC or
   * fields) that belonged to no such frame: skipped garbage and broken frames. A transport can
   * close a connection that sends nothing else.
   */
  get unframedBytes(): number {
    return this.unframed;
  }

  /**
   * Reports the run of skipped bytes so far (one `missing-header` item) without waiting for it to
   * end, with `note` added to its reason; e.g. before a transport closes the connection.
   */
  flushSkipped(note?: string): StreamItem[] {
    const items: StreamItem[] = [];
    this.endRun(items, note);
    return items;
  }

  /** Feeds a chunk; returns every packet or error it completes, in stream order. */
  push(chunk: Buffer | string): StreamItem[] {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    this.buffer = this.buffer.length === 0 ? Buffer.from(bytes) : Buffer.concat([this.buffer, bytes]);
    const items: StreamItem[] = [];
    let offset = 0;
    for (;;) {
      const step = this.next(offset, items);
      if (step === undefined) break;
      offset = step;
    }
    this.buffer = Buffer.from(this.buffer.subarray(offset));
    return items;
  }

  /**
   * The input ended: reports whatever is still buffered as a truncated packet. By default the
   * input is a TCP connection that closed; pass `{ kind: "message", name }` when one message
   * delimits the packets it holds (an MQTT message), so the reason does not speak of a connection.
   *
   * @example
   * decoder.end({ kind: "message", name: "MQTT topic hj212/LDAQ0000000000000000003C" })
   * // [{ error: "missing-tail: HJ 212 packet on MQTT topic hj212/LDAQ0000000000000000003C does not end with \r\n (hj212.md §1, §8.2)", … }]
   */
  end(input: InputEnd = CONNECTION): StreamItem[] {
    const rest = this.buffer;
    this.buffer = Buffer.alloc(0);
    const items: StreamItem[] = [];
    if (rest.length >= 2 && rest[0] === HASH && rest[1] === HASH) {
      this.endRun(items);
      const raw = rawText(rest);
      const error = new Hj212Error("missing-tail", truncatedDetail(rest, input), {
        path: "tail",
        received: truncate(raw, 40),
        expected: "the rest of the packet and \\r\\n",
      });
      items.push({ error: withNonAsciiNote(error, rest), raw });
    } else {
      // A kept "#" that no second "#" followed ends the run of skipped bytes.
      this.addToRun(rest);
      this.endRun(items);
    }
    this.unframed = 0;
    return items;
  }

  /** Handles what starts at `offset`; returns the next offset, or undefined to wait for more bytes. */
  private next(offset: number, items: StreamItem[]): number | undefined {
    const buf = this.buffer;
    let p = buf.indexOf(HEADER, offset);
    if (p === -1) {
      // A trailing "#" may be the first half of the next header.
      const keep = buf.length > offset && buf[buf.length - 1] === HASH ? 1 : 0;
      const end = buf.length - keep;
      if (end > offset) this.skip(offset, end);
      return end > offset ? end : undefined;
    }
    // In "###0278…" the header is the last "##" of the run.
    while (buf[p + 2] === HASH) p++;
    if (p > offset) this.skip(offset, p);
    if (buf.length < p + 6) return p === offset ? undefined : p;
    const lengthText = buf.subarray(p + 2, p + 6).toString("latin1");
    if (!/^\d{4}$/.test(lengthText) || Number(lengthText) > MAX_DATA_LENGTH) {
      // Inside a run of garbage, "##" without a length is more garbage (random bytes hold one in
      // ~65 536 positions): the run goes on. Where a packet was due it is reported as a bad length.
      if (this.run.visible) {
        this.skip(p, p + 1);
        return p + 1;
      }
      this.endRun(items);
      // Report through the frame parser so the error is the same as for parsePacket.
      return this.fail(p, this.resync(p), items);
    }
    // A header ends the run of skipped bytes before it: one report per run, however it was read.
    this.endRun(items);
    const end = p + 12 + Number(lengthText);
    const tail = buf.indexOf(CRLF, p + 6);
    if (tail === -1) {
      if (buf.length < end) return p === offset ? undefined : p;
      // All the bytes the length promised, and no tail: a truncated packet, or a new one started.
      const next = buf.indexOf(HEADER, p + 2);
      return this.fail(p, next !== -1 && next < end ? next : end, items);
    }
    if (tail + 2 === end) {
      const frame = buf.subarray(p, end);
      const raw = frame.toString("utf8");
      try {
        items.push({ packet: parseFrame(frame, raw, this.options), raw });
        this.unframed = 0;
      } catch (error) {
        if (!(error instanceof Hj212Error)) throw error;
        items.push({ error, raw });
        // A whole frame with only a bad CRC or field came from a station speaking HJ 212.
        if (HJ212_ERROR_CODES[error.code].rejection === "hj212.framing") this.unframed += frame.length;
        else this.unframed = 0;
      }
      return end;
    }
    // The tail is not where the length says. A header before it means this packet was cut short
    // and a new one began; otherwise the length is wrong.
    const next = buf.indexOf(HEADER, p + 2);
    return this.fail(p, next !== -1 && next < tail ? next : tail + 2, items);
  }

  /** Reports bytes [from, to) as a bad packet (parsed for the specific error) and moves past them. */
  private fail(from: number, to: number, items: StreamItem[]): number {
    const frame = this.buffer.subarray(from, to);
    const raw = rawText(frame);
    try {
      // `next` only passes bad frames here; a frame that parses after all is still delivered.
      items.push({ packet: parseFrame(frame, raw, this.options), raw });
      this.unframed = 0;
    } catch (error) {
      if (!(error instanceof Hj212Error)) throw error;
      items.push({ error, raw });
      this.unframed += frame.length;
    }
    return to;
  }

  /** Where to resume after a bad header at p: the next "##", else the buffer end (keeping a "#"). */
  private resync(p: number): number {
    const next = this.buffer.indexOf(HEADER, p + 1);
    if (next !== -1) return next;
    const buf = this.buffer;
    return buf[buf.length - 1] === HASH && buf.length - 1 > p ? buf.length - 1 : buf.length;
  }

  /** Adds bytes [from, to) to the run of skipped bytes; the run is reported when it ends. */
  private skip(from: number, to: number): void {
    this.addToRun(this.buffer.subarray(from, to));
  }

  private addToRun(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const run = this.run;
    run.bytes += bytes.length;
    if (!isLineBreaks(bytes)) {
      run.visible = true;
      this.unframed += bytes.length;
    }
    if (run.sampled < MAX_REPORTED_RAW) {
      const part = Buffer.from(bytes.subarray(0, MAX_REPORTED_RAW - run.sampled));
      run.sample.push(part);
      run.sampled += part.length;
    }
  }

  /** Reports the run of skipped bytes as one item (runs of bare CR/LF silently) and starts a new one. */
  private endRun(items: StreamItem[], note?: string): void {
    const run = this.run;
    if (run.visible) {
      const sample = Buffer.concat(run.sample);
      items.push({ error: garbageError(sample, run.bytes, note), raw: rawText(sample) });
    }
    this.run = { bytes: 0, sample: [], sampled: 0, visible: false };
  }
}

/** What ended the input of {@link PacketStreamDecoder.end}. */
export type InputEnd =
  /** A TCP connection closed. */
  | { readonly kind: "connection" }
  /** One message (e.g. MQTT) ended; `name` says which, e.g. "MQTT topic hj212/{MN}". */
  | { readonly kind: "message"; readonly name: string };

const CONNECTION: InputEnd = { kind: "connection" };

/** The detail of a missing-tail error for the `rest` of a packet that `input` cut off. */
function truncatedDetail(rest: Buffer, input: InputEnd): string {
  const lengthText = rest.subarray(2, 6).toString("latin1");
  const length = /^\d{4}$/.test(lengthText) ? Number(lengthText) : undefined;
  // A device ending its packets with LF alone leaves each one a byte short of its frame.
  const lone = length === undefined ? undefined : loneTailNote(rest, 2 + 4 + length + 4);
  if (input.kind === "connection") {
    return `connection closed after ${rest.length} bytes of a packet${lone === undefined ? "" : `: ${lone}`}`;
  }
  if (lone !== undefined) return `HJ 212 packet on ${input.name}: ${lone}`;
  // hj212.md §1: the packet is ## + length + data segment + CRC + \r\n; §8.2: reject a tail that is not where the length says.
  if (length !== undefined && rest.length === 2 + 4 + length + 4) {
    return `HJ 212 packet on ${input.name} does not end with \\r\\n (hj212.md §1, §8.2)`;
  }
  const promised = length === undefined ? "" : `, its length field announces ${12 + length} bytes`;
  return `HJ 212 packet on ${input.name} ends after ${rest.length} bytes without \\r\\n${promised} (hj212.md §1, §8.2)`;
}

/** The error of a run of `length` bytes outside any packet, `sample` its first bytes. */
function garbageError(sample: Buffer, length: number, note?: string): Hj212Error {
  const text = truncate(sample.toString("utf8"), 40);
  const detail = `${length} bytes outside a packet skipped${note === undefined ? "" : `; ${note}`}`;
  return new Hj212Error("missing-header", detail, {
    path: "header",
    received: text,
    expected: '"##" starting a packet',
  });
}
