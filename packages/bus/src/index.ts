export * from "./bus.ts";
export * from "./errors.ts";
export type { KafkaBusConfig, KafkaBusSettings, KafkaLogEntry } from "./kafka/config.ts";
export { kafkaBusConfigSchema } from "./kafka/config.ts";
export { createKafkaBus, type KafkaBus } from "./kafka/kafka-bus.ts";
export type { HandlerFailure, MemoryBusConfig, MemoryBusSettings } from "./memory/config.ts";
export { memoryBusConfigSchema } from "./memory/config.ts";
export { createMemoryBus, type MemoryBus } from "./memory/memory-bus.ts";
export { partitionOf } from "./memory/partition-of.ts";
