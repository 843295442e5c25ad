import { loadConfig, type QingshanConfig } from "../config.ts";

/**
 * Test support: the configuration of one `qingshan run` service on loopback — the Kafka bus at
 * `brokers` with topics under `topicPrefix`, every port free (0), data in `dataDir` — with `env`
 * (more QINGSHAN_* variables) on top.
 */
export function runServiceConfig(options: {
  readonly root: string;
  readonly brokers: string;
  readonly topicPrefix: string;
  readonly dataDir: string;
  readonly env?: Record<string, string>;
}): QingshanConfig {
  return loadConfig({
    root: options.root,
    env: {
      QINGSHAN_BUS: "kafka",
      QINGSHAN_KAFKA_BROKERS: options.brokers,
      QINGSHAN_KAFKA_TOPIC_PREFIX: options.topicPrefix,
      QINGSHAN_HTTP_PORT: "0",
      QINGSHAN_HTTP_HOST: "127.0.0.1",
      QINGSHAN_MQTT_PORT: "0",
      QINGSHAN_HJ212_PORT: "0",
      QINGSHAN_DATA_DIR: options.dataDir,
      ...options.env,
    },
  });
}
