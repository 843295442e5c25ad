export * from "./alert.ts";
export * from "./dead-letter.ts";
export * from "./flags.ts";
export * from "./metrics.ts";
export * from "./reading.ts";
export * from "./station.ts";
export * from "./time.ts";
export * from "./wire.ts";
