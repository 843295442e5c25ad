import { createServer, type Server } from "node:net";
import { freePort } from "@qingshan/testkit";
import { connectAsync } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { startEmbeddedBroker } from "./embedded-broker.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

describe("startEmbeddedBroker", () => {
  it("serves MQTT on the asked port", async () => {
    const port = await freePort();
    const broker = await startEmbeddedBroker({ port, host: "127.0.0.1" });
    cleanups.push(() => broker.close());
    expect(broker.port).toBe(port);
    expect(broker.url).toBe(`mqtt://127.0.0.1:${port}`);
    const client = await connectAsync(broker.url, { clientId: "embedded-test", protocolVersion: 4 });
    cleanups.push(() => client.endAsync());
    await client.subscribeAsync("t/1", { qos: 1 });
    const received = new Promise<string>((resolve) =>
      client.once("message", (_t, payload) => resolve(String(payload))),
    );
    await client.publishAsync("t/1", "hello", { qos: 1 });
    expect(await received).toBe("hello");
  });

  it("names the setting to change when the port is taken", async () => {
    const port = await freePort();
    const blocker = await occupy(port);
    cleanups.push(() => new Promise((resolve) => blocker.close(() => resolve())));
    await expect(startEmbeddedBroker({ port, host: "127.0.0.1" })).rejects.toThrow(
      `MQTT port ${port} is already in use: set mqtt.embeddedPort (QINGSHAN_MQTT_PORT) to a free port, or mqtt.url to use an existing broker`,
    );
  });

  it("closes cleanly and frees the port", async () => {
    const broker = await startEmbeddedBroker({ port: 0, host: "127.0.0.1" });
    const port = broker.port;
    expect(port).toBeGreaterThan(0);
    await broker.close();
    const again = await startEmbeddedBroker({ port, host: "127.0.0.1" });
    await again.close();
  });
});
