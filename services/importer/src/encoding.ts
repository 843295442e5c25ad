import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { Transform, type TransformCallback } from "node:stream";
import { ImportError } from "./errors.ts";

/** Text encodings a CSV file may be read in: UTF-8, and the two Chinese Excel saves ("CSV (逗号分隔)"). */
export const IMPORT_ENCODINGS = ["utf-8", "gbk", "gb18030"] as const;
export type ImportEncoding = (typeof IMPORT_ENCODINGS)[number];

const NAMES: Record<ImportEncoding, string> = { "utf-8": "UTF-8", gbk: "GBK", gb18030: "GB18030" };
const LF = 0x0a;

/**
 * The encoding a label names (`"UTF8"`, `"gb2312"` and the other WHATWG labels resolve as Node's
 * TextDecoder resolves them), or undefined when it is none of IMPORT_ENCODINGS.
 *
 * @example
 * importEncoding("GB2312"); // "gbk"
 * importEncoding("latin1"); // undefined
 */
export function importEncoding(label: string): ImportEncoding | undefined {
  try {
    const encoding = new TextDecoder(label.trim()).encoding;
    return (IMPORT_ENCODINGS as readonly string[]).includes(encoding)
      ? (encoding as ImportEncoding)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Where a file first stops being valid text in an encoding. */
export interface InvalidText {
  /** 0-based offset in the file of the first byte of the sequence that cannot be decoded. */
  readonly offset: number;
  /** 1-based line holding it. */
  readonly line: number;
  /** Up to 8 bytes from `offset`. */
  readonly bytes: readonly number[];
  /** That line read in the other encoding (GBK for UTF-8, UTF-8 otherwise) when it decodes there. */
  readonly otherReading?: { readonly encoding: ImportEncoding; readonly text: string };
}

function decodes(bytes: Uint8Array, encoding: ImportEncoding, stream: boolean): boolean {
  try {
    new TextDecoder(encoding, { fatal: true }).decode(bytes, { stream });
    return true;
  } catch {
    return false;
  }
}

/**
 * The first undecodable sequence in `line` (one line of the file, with its LF when it has one):
 * the offset of its first byte. LF is a character boundary in UTF-8, GBK and GB18030 (never a
 * trailing byte), so a line decodes on its own.
 */
function invalidOffsetInLine(line: Uint8Array, encoding: ImportEncoding, atEnd: boolean): number | undefined {
  if (decodes(line, encoding, !atEnd && line.at(-1) !== LF)) return undefined;
  // A prefix that holds a complete invalid sequence fails even when streaming; longer ones too.
  let low = 1;
  let high = line.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (decodes(line.subarray(0, mid), encoding, true)) low = mid + 1;
    else high = mid;
  }
  if (decodes(line.subarray(0, low), encoding, true)) {
    // Only an incomplete sequence at the very end of the file.
    high = line.length;
  } else {
    high = low - 1;
  }
  // The bad sequence starts after the longest prefix of whole characters (≤ 3 bytes back).
  for (let start = high; start >= Math.max(0, high - 3); start--) {
    if (decodes(line.subarray(0, start), encoding, false)) return start;
  }
  return Math.max(0, high - 3);
}

/**
 * Checks that the whole file is valid text in `encoding` (TextDecoder fatal, streamed: sequences
 * split across read chunks are decoded whole). Resolves to undefined, or to where it is not.
 * Reads the file once; only the line holding a bad sequence is read again, to locate it. Stops
 * reading when `signal` aborts (the result then says nothing: check the signal).
 *
 * @example
 * await findInvalidText("readings.csv", "utf-8"); // { offset: 2, line: 1, bytes: [0xb5, …], otherReading: { encoding: "gbk", text: "站点,时间,…" } }
 */
export async function findInvalidText(
  filePath: string,
  encoding: ImportEncoding,
  signal?: AbortSignal,
): Promise<InvalidText | undefined> {
  const decoder = new TextDecoder(encoding, { fatal: true });
  let offset = 0;
  let line = 1;
  let lineStart = 0;
  let failedAt: number | undefined;
  for await (const chunk of createReadStream(filePath) as AsyncIterable<Buffer>) {
    if (signal?.aborted) return undefined;
    try {
      decoder.decode(chunk, { stream: true });
    } catch {
      failedAt = offset + chunk.length;
      break;
    }
    for (let i = chunk.indexOf(LF); i >= 0; i = chunk.indexOf(LF, i + 1)) {
      line += 1;
      lineStart = offset + i + 1;
    }
    offset += chunk.length;
  }
  let atEnd = false;
  if (failedAt === undefined) {
    try {
      decoder.decode();
      return undefined;
    } catch {
      failedAt = offset;
      atEnd = true;
    }
  }
  return locate(filePath, encoding, { from: lineStart, to: failedAt, line, atEnd });
}

async function locate(
  filePath: string,
  encoding: ImportEncoding,
  region: { from: number; to: number; line: number; atEnd: boolean },
): Promise<InvalidText> {
  const handle = await open(filePath, "r");
  try {
    const bytes = Buffer.alloc(region.to - region.from);
    await handle.read(bytes, 0, bytes.length, region.from);
    let line = region.line;
    let start = 0;
    while (start < bytes.length) {
      const lf = bytes.indexOf(LF, start);
      const end = lf < 0 ? bytes.length : lf + 1;
      const text = bytes.subarray(start, end);
      const at = invalidOffsetInLine(text, encoding, region.atEnd && end === bytes.length);
      if (at !== undefined) {
        const tail = Buffer.alloc(8);
        const { bytesRead } = await handle.read(tail, 0, 8, region.from + start + at);
        const other: ImportEncoding = encoding === "utf-8" ? "gbk" : "utf-8";
        const whole = await readLine(handle, region.from + start);
        return {
          offset: region.from + start + at,
          line,
          bytes: [...tail.subarray(0, bytesRead)],
          ...(decodes(whole, other, false)
            ? { otherReading: { encoding: other, text: new TextDecoder(other).decode(whole).trimEnd() } }
            : {}),
        };
      }
      line += 1;
      start = end;
    }
    // The decoder failed where no single line does (cannot happen: LF is a boundary); report the end.
    return { offset: region.to, line, bytes: [] };
  } finally {
    await handle.close();
  }
}

/** The line starting at `from` (without its LF), at most 4 KiB of it. */
async function readLine(handle: FileHandle, from: number): Promise<Uint8Array> {
  const buffer = Buffer.alloc(4096);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
  const text = buffer.subarray(0, bytesRead);
  const lf = text.indexOf(LF);
  return lf < 0 ? text : text.subarray(0, lf);
}

function hex(bytes: readonly number[]): string {
  return bytes.map((b) => `0x${b.toString(16).toUpperCase().padStart(2, "0")}`).join(" ");
}

function preview(text: string): string {
  const chars = [...text];
  return chars.length > 60 ? `${chars.slice(0, 60).join("")}…` : text;
}

/**
 * The IMPORT_ENCODING error for a file that is not valid `encoding` text: where, which bytes, how
 * the line reads in the other encoding, and what to do.
 */
export function encodingError(filePath: string, encoding: ImportEncoding, invalid: InvalidText): ImportError {
  const name = NAMES[encoding];
  const where = `line ${invalid.line}, byte offset ${invalid.offset} (${hex(invalid.bytes)}${invalid.bytes.length === 8 ? " …" : ""})`;
  const other = invalid.otherReading;
  const reading = other
    ? ` Read as ${NAMES[other.encoding]}, line ${invalid.line} is "${preview(other.text)}".`
    : "";
  const advice =
    encoding === "utf-8"
      ? ' Chinese Excel saves "CSV (逗号分隔)" in GBK: import it with --encoding gbk (option encoding: "gbk"), or save it from Excel as "CSV UTF-8 (逗号分隔)".'
      : other
        ? " It looks like UTF-8: import it without --encoding."
        : ` Check the file's encoding (--encoding utf-8, gbk or gb18030).`;
  return new ImportError(
    "IMPORT_ENCODING",
    `${filePath} is not ${name} text: ${where} cannot be read as ${name}.${reading}${advice} Nothing was imported.`,
  );
}

/** The error for a file starting with a UTF-8 byte order mark read in another encoding. */
export async function bomMismatch(
  filePath: string,
  encoding: ImportEncoding,
): Promise<ImportError | undefined> {
  if (encoding === "utf-8") return undefined;
  const handle = await open(filePath, "r");
  try {
    const head = Buffer.alloc(3);
    const { bytesRead } = await handle.read(head, 0, 3, 0);
    if (bytesRead === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
      return new ImportError(
        "IMPORT_ENCODING",
        `${filePath} starts with a UTF-8 byte order mark (as Excel's "CSV UTF-8" saves it), but was to be read as ${NAMES[encoding]}: import it without --encoding. Nothing was imported.`,
      );
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

/**
 * A stream turning the file's bytes in `encoding` into UTF-8 text for the CSV parser (fatal: a bad
 * sequence fails the stream with IMPORT_ENCODING; findInvalidText is meant to have caught it first).
 */
export function createDecodeStream(filePath: string, encoding: ImportEncoding): Transform {
  const decoder = new TextDecoder(encoding, { fatal: true });
  const fail = () =>
    new ImportError(
      "IMPORT_ENCODING",
      `${filePath} is not ${NAMES[encoding]} text (it changed while being imported?)`,
    );
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        callback(fail());
        return;
      }
      callback(null, text);
    },
    flush(callback: TransformCallback) {
      let text: string;
      try {
        text = decoder.decode();
      } catch {
        callback(fail());
        return;
      }
      callback(null, text);
    },
  });
}
