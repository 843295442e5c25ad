import type { Logger } from "pino";

/** Log methods the notifier calls (a pino Logger qualifies). */
export type NotifierLogger = Pick<Logger, "info" | "warn" | "error" | "debug">;
