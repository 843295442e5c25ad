export { parseWriterConfig, type WriterConfig, type WriterSettings, writerConfigSchema } from "./config.ts";
export { createWriterMetrics, type WriteKind, type WriterMetrics } from "./metrics.ts";
export { ReadingsLogNotWritableError } from "./readings-log.ts";
export { backoffMs, WriterStoppingError } from "./write-with-retry.ts";
export { createWriter, type Writer, type WriterDeps, type WriterLogger, type WriterStore } from "./writer.ts";
