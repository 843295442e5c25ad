import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The worked examples the tests run are copies of the project's shared/standards files (beside the
// repository on the development machines), so that the tests run on any clone. Where the
// originals are present, the copies must be identical to them.
const here = dirname(fileURLToPath(import.meta.url));
const copies = resolve(here, "../testdata/shared-standards");
const originals = resolve(here, "../../../../shared/standards");
const present = existsSync(originals);

describe("copies of shared/standards", () => {
  for (const file of ["air-aqi.json", "water-gb3838.json"]) {
    it.skipIf(!present)(
      `${file} is identical to shared/standards/${file}${present ? "" : ` (skipped: ${originals} is absent)`}`,
      () => {
        expect(readFileSync(resolve(copies, file), "utf8")).toBe(
          readFileSync(resolve(originals, file), "utf8"),
        );
      },
    );
  }
});
