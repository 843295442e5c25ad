import { join } from "node:path";
import { freePort } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { CliError, describeFailure } from "./errors.ts";
import { runImport } from "./import.ts";

const root = join(import.meta.dirname, "../../..");
const csv = join(root, "services/importer/src/testdata/long.csv");

describe("qingshan import without a running API", () => {
  it("says which URL is not reachable and how to point the import at the API", async () => {
    const port = await freePort();
    const config = loadConfig({ root, env: {} });
    const failure = await runImport([csv, "--api", `http://127.0.0.1:${port}`], config).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(CliError);
    expect(describeFailure(failure, false)).toBe(
      `qingshan: import of ${csv} stopped: the Qingshan API at http://127.0.0.1:${port} is not reachable (ECONNREFUSED): ` +
        "is Qingshan running? Give its address with --api URL (default http://127.0.0.1:{http.port}, set by QINGSHAN_HTTP_PORT).",
    );
  });

  it("refuses an --api that is not a URL", async () => {
    const config = loadConfig({ root, env: {} });
    await expect(runImport([csv, "--api", "localhost 8080"], config)).rejects.toThrow(
      '--api "localhost 8080" is not a URL',
    );
  });
});
