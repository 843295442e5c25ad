import { freePort } from "@qingshan/testkit";

/**
 * The environment of an in-process `qingshan start` in a test: its data under `dataDir`, the
 * embedded MQTT broker and the HTTP API on free loopback ports, the HJ 212 listener off.
 */
export async function loopbackEnv(dataDir: string): Promise<Record<string, string>> {
  return {
    QINGSHAN_DATA_DIR: dataDir,
    QINGSHAN_MQTT_PORT: String(await freePort()),
    QINGSHAN_HTTP_PORT: String(await freePort()),
    QINGSHAN_HTTP_HOST: "127.0.0.1",
    QINGSHAN_HJ212_PORT: "0",
  };
}
