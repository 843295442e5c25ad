// Child process for `pnpm bench`: runs the Qingshan pipeline alone so its CPU and RSS can be read
// from /proc/<pid>. Configuration comes from QINGSHAN_* environment variables; prints
// `QINGSHAN_BENCH_READY {"apiUrl","brokerUrl"}` on stdout when ready and stops on SIGTERM.
import { join } from "node:path";
import { loadConfig } from "../services/cli/src/config.ts";
import { startPipeline } from "../services/cli/src/start.ts";

const loaded = loadConfig({ root: join(import.meta.dirname, ".."), env: process.env });
// Loopback only: the embedded broker's host has no environment variable, so it is set here.
const config = { ...loaded, mqtt: { ...loaded.mqtt, embeddedHost: "127.0.0.1" } };
const pipeline = await startPipeline(config);
process.stdout.write(
  `QINGSHAN_BENCH_READY ${JSON.stringify({ apiUrl: pipeline.apiUrl, brokerUrl: pipeline.brokerUrl })}\n`,
);
process.once("SIGTERM", () => {
  pipeline.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
