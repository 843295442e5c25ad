import { readFileSync, writeFileSync } from "node:fs";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { findInvalidText, importEncoding } from "./encoding.ts";
import { ImportError } from "./errors.ts";
import { importCsv, type Submit } from "./import-csv.ts";
import { decoderSubmit, fixture, registry } from "./testdata/decoder-rig.ts";

// gbk-long.csv and gbk-note.csv were written with `iconv -f utf-8 -t gbk` (Debian glibc iconv).
const cleanups = cleanupsAfterEach();

/** A submit that must not be called. */
const never: Submit = async () => {
  throw new Error("submit called");
};

describe("importCsv — file encoding", () => {
  it("refuses a GBK file read as UTF-8 before submitting anything, naming the line, byte and GBK reading", async () => {
    const error = await importCsv(fixture("gbk-long.csv"), { submit: never, stations: registry }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).code).toBe("IMPORT_ENCODING");
    expect((error as ImportError).message).toBe(
      `IMPORT_ENCODING: ${fixture("gbk-long.csv")} is not UTF-8 text: line 1, byte offset 36 (0xB1 0xB8 0xD7 0xA2 0x0A 0x6C 0x64 0x2D …) cannot be read as UTF-8. ` +
        'Read as GBK, line 1 is "station,ts,metric,value,flag,period,备注". ' +
        'Chinese Excel saves "CSV (逗号分隔)" in GBK: import it with --encoding gbk (option encoding: "gbk"), ' +
        'or save it from Excel as "CSV UTF-8 (逗号分隔)". Nothing was imported.',
    );
  });

  it("refuses a GBK file whose only Chinese text is in an ignored column, at its line", async () => {
    const error = await importCsv(fixture("gbk-note.csv"), { submit: never, stations: registry }).catch(
      (e: unknown) => e,
    );
    expect((error as ImportError).code).toBe("IMPORT_ENCODING");
    expect((error as ImportError).message).toContain(
      'line 4, byte offset 135 (0xC8 0xCB 0xB9 0xA4 0xB8 0xB4 0xBA 0xCB …) cannot be read as UTF-8. Read as GBK, line 4 is "ld-aq-01,2026-11-28 11:00,pm25,38,人工复核".',
    );
  });

  it("imports a GBK file with encoding gbk: Chinese metric names and notes read right", async () => {
    const sink = decoderSubmit();
    const summary = await importCsv(fixture("gbk-long.csv"), {
      submit: sink.submit,
      stations: registry,
      encoding: "gbk",
    });
    expect(summary).toMatchObject({ rows: 4, values: 4, accepted: 4, rejected: 0, errors: [] });
    expect(sink.readings.map((r) => [r.stationId, r.metric, r.value, r.flag])).toEqual([
      ["ld-wq-05", "ph", 7.24, "N"],
      ["ld-wq-05", "nh3n", 0.31, "N"],
      ["ld-aq-02", "pm25", 35, "N"],
      ["ld-aq-02", "o3", 52, "C"],
    ]);
    const note = await importCsv(fixture("gbk-note.csv"), {
      submit: decoderSubmit().submit,
      stations: registry,
      encoding: "gb18030",
    });
    expect(note).toMatchObject({ rows: 4, accepted: 4, rejected: 0 });
  });

  it("refuses a UTF-8 file (Excel's CSV UTF-8, with a BOM) read as GBK", async () => {
    const dir = tempDir(cleanups, "qingshan-encoding-");
    const path = `${dir}/utf8-bom.csv`;
    writeFileSync(path, "\uFEFFstation,ts,metric,value,备注\nld-aq-01,2026-11-28 09:00,pm25,35,人工复核\n");
    await expect(importCsv(path, { submit: never, stations: registry, encoding: "gbk" })).rejects.toThrow(
      `IMPORT_ENCODING: ${path} starts with a UTF-8 byte order mark (as Excel's "CSV UTF-8" saves it), but was to be read as GBK: import it without --encoding. Nothing was imported.`,
    );
    const summary = await importCsv(path, { submit: decoderSubmit().submit, stations: registry });
    expect(summary).toMatchObject({ rows: 1, accepted: 1, rejected: 0 });
  });

  it("names what a file read as GBK cannot be, and that it looks like UTF-8", async () => {
    const dir = tempDir(cleanups, "qingshan-encoding-");
    const path = `${dir}/utf8.csv`;
    // 0x80 0x80 … decodes in neither; "监测站" in UTF-8 ends a line in a GBK lead byte + LF.
    writeFileSync(path, Buffer.from("station,ts,metric,value\nld-aq-01,2026-11-28 09:00,pm25,35 监测站\n"));
    const error = await importCsv(path, { submit: never, stations: registry, encoding: "gbk" }).catch(
      (e: unknown) => e,
    );
    expect((error as ImportError).message).toMatch(
      /^IMPORT_ENCODING: .* is not GBK text: line 2, byte offset \d+ \(0x\w\w.*\) cannot be read as GBK\. Read as UTF-8, line 2 is "ld-aq-01,2026-11-28 09:00,pm25,35 监测站"\. It looks like UTF-8: import it without --encoding\. Nothing was imported\.$/,
    );
  });

  it("refuses an encoding it does not know", async () => {
    await expect(
      importCsv(fixture("long.csv"), {
        submit: never,
        stations: registry,
        encoding: "latin1" as "utf-8",
      }),
    ).rejects.toThrow("encoding must be one of utf-8, gbk, gb18030, got latin1");
    expect(importEncoding("GB2312")).toBe("gbk");
    expect(importEncoding("UTF8")).toBe("utf-8");
    expect(importEncoding("GB18030")).toBe("gb18030");
    expect(importEncoding("latin1")).toBeUndefined();
    expect(importEncoding("nonsense")).toBeUndefined();
  });
});

describe("findInvalidText — sequences across read chunks", () => {
  // createReadStream reads 64 KiB chunks.
  const CHUNK = 65_536;

  it("decodes a character split across two chunks, in UTF-8 and GBK", async () => {
    const dir = tempDir(cleanups, "qingshan-encoding-");
    const line = "ld-aq-01,2026-11-28 09:00,pm25,35,";
    for (const split of [1, 2]) {
      // "监" is 3 bytes in UTF-8: the chunk boundary falls after its first or second byte.
      const path = `${dir}/split-${split}.csv`;
      writeFileSync(path, `${"x".repeat(CHUNK - split - 1)}\n监测站\n${line}\n`);
      expect(readFileSync(path).subarray(CHUNK - split, CHUNK - split + 3)).toEqual(Buffer.from("监"));
      expect(await findInvalidText(path, "utf-8")).toBeUndefined();
    }
    // GBK "人" (0xC8 0xCB, from gbk-note.csv) with the chunk boundary between its bytes.
    const ren = readFileSync(fixture("gbk-note.csv")).subarray(135, 137);
    const path = `${dir}/split-gbk.csv`;
    writeFileSync(path, Buffer.concat([Buffer.from("x".repeat(CHUNK - 1)), ren, Buffer.from("\n")]));
    expect(await findInvalidText(path, "gbk")).toBeUndefined();
  });

  it("locates an invalid byte right after a chunk boundary, and a sequence cut by the end of the file", async () => {
    const dir = tempDir(cleanups, "qingshan-encoding-");
    const gbk = readFileSync(fixture("gbk-note.csv")).subarray(135, 143);
    const lines = `station,ts\n${"y".repeat(CHUNK - 20)}\n`;
    const path = `${dir}/late.csv`;
    const prefix = Buffer.from(lines + "z".repeat(CHUNK + 5 - Buffer.byteLength(lines)));
    writeFileSync(path, Buffer.concat([prefix, gbk, Buffer.from("\n")]));
    expect(await findInvalidText(path, "utf-8")).toEqual({
      offset: CHUNK + 5,
      line: 3,
      bytes: [...gbk],
      otherReading: { encoding: "gbk", text: `${"z".repeat(CHUNK + 5 - Buffer.byteLength(lines))}人工复核` },
    });
    const cut = `${dir}/cut.csv`;
    writeFileSync(cut, Buffer.concat([Buffer.from("station,ts\nld,"), Buffer.from("监").subarray(0, 2)]));
    expect(await findInvalidText(cut, "utf-8")).toMatchObject({ offset: 14, line: 2, bytes: [0xe7, 0x9b] });
  });
});
