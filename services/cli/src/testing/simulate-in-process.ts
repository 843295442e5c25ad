import { Writable } from "node:stream";
import type { QingshanConfig } from "../config.ts";
import { runSimulate } from "../simulate.ts";

/** Test support: `qingshan simulate` run in the test's process. */

function collector(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

/** `qingshan simulate …` in this process with the configuration `load` returns; its status and output. */
export async function simulateInProcess(
  argv: string[],
  load: () => QingshanConfig,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = collector();
  const stderr = collector();
  const code = await runSimulate(argv, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    loadConfig: load,
    stopRequested: () => new Promise(() => {}),
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
