import { createServer, type Server } from "node:net";
import { freePort } from "@qingshan/testkit";
import { connectAsync } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { type IncomingPublish, startEmbeddedBroker } from "./embedded-broker.ts";

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

  it("sends PUBACKs only once the intake finished, in the order the messages came", async () => {
    const pending: Array<{ message: IncomingPublish; done: () => void; fail: (e: Error) => void }> = [];
    const broker = await startEmbeddedBroker({
      port: 0,
      host: "127.0.0.1",
      intake: (message) =>
        message.topic.startsWith("stations/")
          ? new Promise<void>((done, fail) => pending.push({ message, done, fail }))
          : undefined,
    });
    cleanups.push(() => broker.close());
    const client = await connectAsync(broker.url, { clientId: "intake-test", protocolVersion: 4 });
    cleanups.push(() => client.endAsync(true));
    const acked: string[] = [];
    const publish = (topic: string, payload: string) =>
      client.publishAsync(topic, payload, { qos: 1 }).then(() => {
        acked.push(payload);
      });
    const all = [publish("stations/a/air", "1"), publish("stations/a/air", "2"), publish("elsewhere/x", "3")];
    while (pending.length < 2) await new Promise((r) => setTimeout(r, 5));
    expect(pending.map((p) => String(p.message.payload))).toEqual(["1", "2"]);
    pending[1]?.done();
    await new Promise((r) => setTimeout(r, 50));
    // Nothing is acknowledged while the first message is still being stored.
    expect(acked).toEqual([]);
    pending[0]?.done();
    await Promise.all(all);
    expect(acked).toEqual(["1", "2", "3"]);
  });

  it("keeps one PUBACK line per connection: a slow message holds up only its own connection", async () => {
    const pending = new Map<string, () => void>();
    const broker = await startEmbeddedBroker({
      port: 0,
      host: "127.0.0.1",
      intake: (message) =>
        new Promise<void>((done) => {
          pending.set(String(message.payload), done);
        }),
    });
    cleanups.push(() => broker.close());
    const slow = await connectAsync(broker.url, { clientId: "line-slow", protocolVersion: 4 });
    const fast = await connectAsync(broker.url, { clientId: "line-fast", protocolVersion: 4 });
    cleanups.push(() => slow.endAsync(true));
    cleanups.push(() => fast.endAsync(true));
    const acked: string[] = [];
    const publish = (client: typeof slow, payload: string) =>
      client.publishAsync("stations/a/air", payload, { qos: 1 }).then(() => {
        acked.push(payload);
      });
    const slowOnes = [publish(slow, "s1"), publish(slow, "s2")];
    const fastOnes = [publish(fast, "f1"), publish(fast, "f2")];
    while (pending.size < 4) await new Promise((r) => setTimeout(r, 5));
    pending.get("s2")?.();
    pending.get("f2")?.();
    pending.get("f1")?.();
    await Promise.all(fastOnes);
    expect(acked).toEqual(["f1", "f2"]);
    pending.get("s1")?.();
    await Promise.all(slowOnes);
    expect(acked).toEqual(["f1", "f2", "s1", "s2"]);
  });

  it("a failed intake drops the connection without acknowledging, and does not hold up later connections", async () => {
    let first = true;
    const broker = await startEmbeddedBroker({
      port: 0,
      host: "127.0.0.1",
      intake: () => {
        if (!first) return Promise.resolve();
        first = false;
        return Promise.reject(new Error("bus refused"));
      },
    });
    cleanups.push(() => broker.close());
    const client = await connectAsync(broker.url, {
      clientId: "fail-test",
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    cleanups.push(() => client.endAsync(true));
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    let acked = false;
    void client.publishAsync("stations/a/air", "1", { qos: 1 }).then(
      () => {
        acked = true;
      },
      () => {},
    );
    await closed;
    expect(acked).toBe(false);
    const other = await connectAsync(broker.url, { clientId: "fail-test-2", protocolVersion: 4 });
    cleanups.push(() => other.endAsync(true));
    await other.publishAsync("stations/a/air", "2", { qos: 1 });
  });
});
