import type { NotifierLogger } from "../logger.ts";

/** A logged warning: its fields and message. */
export interface RecordedWarning {
  readonly fields: object;
  readonly msg: string;
}

/**
 * A notifier logger that keeps the warnings (fields and message) and drops the rest.
 *
 * @example
 * const logger = recordingLogger();
 * createNotifier(config, { bus, store, registry, logger });
 * expect(logger.warnings).toEqual([]);
 */
export function recordingLogger(): NotifierLogger & { warnings: RecordedWarning[] } {
  const warnings: RecordedWarning[] = [];
  const ignore = () => undefined;
  return {
    warnings,
    info: ignore,
    debug: ignore,
    error: ignore,
    warn: ((fields: object, msg: string) => {
      warnings.push({ fields, msg });
    }) as NotifierLogger["warn"],
  };
}
