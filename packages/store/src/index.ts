export type { DuckDbStoreConfig, DuckDbStoreSettings } from "./duckdb/config.ts";
export { duckDbStoreConfigSchema, parseDuckDbStoreConfig } from "./duckdb/config.ts";
export type { DuckDbStore } from "./duckdb/duckdb-store.ts";
export { createDuckDbStore } from "./duckdb/duckdb-store.ts";
export * from "./errors.ts";
export { HOUR_MS, hourEndOf } from "./hour.ts";
export * from "./store.ts";
