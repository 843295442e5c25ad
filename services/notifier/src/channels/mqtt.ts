import { eventInProgress } from "@qingshan/rules";
import { connectAsync, type MqttClient } from "mqtt";
import type { Notification, NotifierChannel } from "../notification.ts";

/** Publishes one payload (QoS 1); resolves once the broker acknowledged it (PUBACK). */
export type MqttPublish = (topic: string, payload: string) => Promise<void>;

/**
 * The MQTT alerts channel: every alert event (including acknowledged and resolved) as its
 * AlertEvent JSON on `${topicPrefix}/${stationId}`. It is not routed: every event goes out, first.
 * An event evaluated before its period ended (`dataTime` after `at`) also carries `inProgress:
 * true` (its value is provisional; the message says so too).
 *
 * @example
 * const channel = createMqttChannel(publish, "alerts"); // ld-aq-01's events on alerts/ld-aq-01
 */
export function createMqttChannel(
  publish: MqttPublish,
  topicPrefix: string,
  close?: () => Promise<void>,
): NotifierChannel {
  return {
    name: "mqtt",
    async send(notification: Notification) {
      const event = notification.event;
      if (event === undefined) return;
      const payload = eventInProgress(event) ? { ...event, inProgress: true } : event;
      await publish(`${topicPrefix}/${event.stationId}`, JSON.stringify(payload));
    },
    ...(close !== undefined ? { close } : {}),
  };
}

/** Whether the alerts channel's MQTT client is connected now, and why not when it is not. */
export interface MqttClientState {
  readonly connected: boolean;
  /** Why the client is not connected (the last connection error or "connection closed"); "" when connected. */
  readonly reason: string;
}

/**
 * Connects an MQTT client for the alerts topic and returns a QoS 1 publish function and the
 * client's connection state (for readiness). The client reconnects by itself and queues QoS 1
 * publishes while offline. `login` is passed as given (any character, ':' and '@' included); a
 * login in `url` itself is used when `login` has no user name.
 *
 * @example
 * const { publish, state, close } = await connectMqttPublisher("mqtt://127.0.0.1:1883", { username: "qs", password: "p:w" });
 * state(); // { connected: true, reason: "" }
 */
export async function connectMqttPublisher(
  url: string,
  login: { readonly username?: string; readonly password?: string } = {},
): Promise<{ readonly publish: MqttPublish; state(): MqttClientState; close(): Promise<void> }> {
  const client: MqttClient = await connectAsync(url, {
    clientId: `qingshan-notifier-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    reconnectPeriod: 1_000,
    connectTimeout: 10_000,
    ...(login.username ? { username: login.username } : {}),
    ...(login.username && login.password ? { password: login.password } : {}),
  });
  // The last reason the client lost or could not make its connection; cleared on (re)connect.
  let reason = "";
  client.on("connect", () => {
    reason = "";
  });
  client.on("error", (error: Error) => {
    reason = error.message;
  });
  client.on("close", () => {
    if (reason === "") reason = "connection closed";
  });
  return {
    async publish(topic, payload) {
      await client.publishAsync(topic, payload, { qos: 1 });
    },
    state: () =>
      client.connected
        ? { connected: true, reason: "" }
        : { connected: false, reason: reason || "not connected" },
    async close() {
      await client.endAsync();
    },
  };
}
