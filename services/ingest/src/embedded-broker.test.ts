import { connect, createServer, type Server } from "node:net";
import { freePort, waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { connectAsync } from "mqtt";
import * as mqttPacket from "mqtt-packet";
import { describe, expect, it } from "vitest";
import { type IncomingPublish, startEmbeddedBroker } from "./embedded-broker.ts";

const cleanups = cleanupsAfterEach();

/** A station on a bare socket: PUBLISH packets written together arrive in one read. */
async function rawStation(port: number, clientId: string) {
  const socket = connect(port, "127.0.0.1");
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const pubacks: number[] = [];
  let connacked = false;
  parser.on("packet", (packet) => {
    if (packet.cmd === "connack") connacked = true;
    if (packet.cmd === "puback" && packet.messageId !== undefined) pubacks.push(packet.messageId);
  });
  socket.on("data", (chunk) => parser.parse(chunk));
  socket.write(
    mqttPacket.generate({
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clean: true,
      clientId,
      keepalive: 60,
    }),
  );
  await waitFor(() => connacked, { what: "CONNACK" });
  return {
    socket,
    pubacks,
    /** Writes one QoS 1 PUBLISH per id (payload = the id) in a single write. */
    publish(ids: number[]) {
      const packets = ids.map((messageId) =>
        mqttPacket.generate({
          cmd: "publish",
          topic: "stations/a/air",
          payload: String(messageId),
          qos: 1,
          messageId,
          dup: false,
          retain: false,
        }),
      );
      socket.write(Buffer.concat(packets));
    },
  };
}

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

  it("reads a connection on while its earlier messages are being stored, and still forwards them", async () => {
    const pending: Array<{ payload: string; done: () => void }> = [];
    const broker = await startEmbeddedBroker({
      port: 0,
      host: "127.0.0.1",
      intake: (message) =>
        new Promise<void>((done) => pending.push({ payload: String(message.payload), done })),
    });
    cleanups.push(() => broker.close());
    const watcher = await connectAsync(broker.url, { clientId: "read-on-watcher", protocolVersion: 4 });
    cleanups.push(() => watcher.endAsync(true));
    await watcher.subscribeAsync("stations/#", { qos: 1 });
    const forwarded: string[] = [];
    watcher.on("message", (_topic, payload) => forwarded.push(String(payload)));
    const client = await connectAsync(broker.url, { clientId: "read-on", protocolVersion: 4 });
    cleanups.push(() => client.endAsync(true));
    const acked: string[] = [];
    const publish = (payload: string) =>
      client.publishAsync("stations/a/air", payload, { qos: 1 }).then(() => {
        acked.push(payload);
      });
    const first = publish("1");
    await waitFor(() => pending.length === 1, { what: "the first message at the intake" });
    // Sent after the first arrived, so in a later socket read: aedes reads it although the first
    // is not stored yet (it used to wait, which doubled the latency under load).
    const second = publish("2");
    await waitFor(() => pending.length === 2, { what: "the second message read while the first is pending" });
    await waitFor(() => forwarded.length === 2, { what: "both forwarded to a subscriber" });
    expect(acked).toEqual([]);
    pending[1]?.done();
    await new Promise((r) => setTimeout(r, 50));
    expect(acked).toEqual([]);
    pending[0]?.done();
    await Promise.all([first, second]);
    expect(acked).toEqual(["1", "2"]);
    expect(forwarded).toEqual(["1", "2"]);
  });

  it("stops reading a connection once readAheadPerConnection messages await their PUBACK", async () => {
    const pending = new Map<string, () => void>();
    const broker = await startEmbeddedBroker({
      port: 0,
      host: "127.0.0.1",
      readAheadPerConnection: 2,
      intake: (message) =>
        new Promise<void>((done) => {
          pending.set(String(message.payload), done);
        }),
    });
    cleanups.push(() => broker.close());
    const station = await rawStation(broker.port, "read-ahead");
    cleanups.push(async () => {
      station.socket.destroy();
    });
    // Four messages in one socket read: two within the read-ahead, two held by aedes.
    station.publish([1, 2, 3, 4]);
    await waitFor(() => pending.size === 4, { what: "the first read's four messages at the intake" });
    // aedes reads no further until the held ones are answered.
    station.publish([5]);
    await new Promise((r) => setTimeout(r, 150));
    expect([...pending.keys()]).toEqual(["1", "2", "3", "4"]);
    for (const payload of ["4", "3", "2", "1"]) pending.get(payload)?.();
    await waitFor(() => pending.has("5"), {
      what: "the fifth message read once the held ones were answered",
    });
    pending.get("5")?.();
    await waitFor(() => station.pubacks.length === 5, { what: "five PUBACKs" });
    expect(station.pubacks).toEqual([1, 2, 3, 4, 5]);
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
