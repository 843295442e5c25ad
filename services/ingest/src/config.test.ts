import { describe, expect, it } from "vitest";
import { parseIngestConfig } from "./config.ts";
import { topicFilters } from "./mqtt-ingest.ts";

describe("parseIngestConfig", () => {
  it("fills every default and freezes the result", () => {
    const config = parseIngestConfig();
    expect(config).toEqual({
      mqtt: {
        embeddedPort: 1883,
        embeddedHost: "0.0.0.0",
        clientId: "qingshan-ingest",
        shareGroup: "qingshan",
        protocolVersion: 5,
        connections: 1,
        maxInFlight: 4000,
        sessionExpirySeconds: 604_800,
        leaveOnStop: false,
        leaveQuietMs: 1000,
        keepaliveSeconds: 30,
        reconnectPeriodMs: 1000,
        connectTimeoutMs: 30_000,
        ownTopics: ["alerts/#"],
      },
      hj212: {
        mqttTopicPrefix: "hj212",
        tcpPort: 9212,
        tcpHost: "0.0.0.0",
        idleTimeoutMs: 900_000,
        maxConnections: 2048,
        splitTimeoutMs: 60_000,
        maxPendingSplitMessages: 1000,
        maxPendingSplitBytes: 16_777_216,
        clockSetting: "auto",
        clockSetIntervalMs: 600_000,
        slowClockThresholdMs: 120_000,
      },
      limits: { maxPayloadBytes: 262_144, maxFutureSkewMs: 300_000, maxLatenessMs: 604_800_000 },
      drainTimeoutMs: 10_000,
      publishRetry: { initialDelayMs: 100, maxDelayMs: 5000 },
    });
    expect(Object.isFrozen(config.mqtt)).toBe(true);
  });

  it('treats an empty broker URL as "run the embedded broker"', () => {
    expect(parseIngestConfig({ mqtt: { url: "" } }).mqtt.url).toBeUndefined();
    expect(parseIngestConfig({ mqtt: { url: "mqtt://b:1883" } }).mqtt.url).toBe("mqtt://b:1883");
  });

  it("names the setting of an invalid value", () => {
    expect(() => parseIngestConfig({ mqtt: { embeddedPort: 70000 } })).toThrow(
      /ingest config: mqtt\.embeddedPort: /,
    );
    expect(() => parseIngestConfig({ mqtt: { shareGroup: "a/b" } })).toThrow(/mqtt\.shareGroup/);
    expect(() => parseIngestConfig({ hj212: { tcpPort: -1 } })).toThrow(/hj212\.tcpPort/);
  });

  it("takes hj212.clockSetting auto, on-request or off", () => {
    expect(parseIngestConfig({ hj212: { clockSetting: "off" } }).hj212.clockSetting).toBe("off");
    expect(() => parseIngestConfig({ hj212: { clockSetting: "yes" as "off" } })).toThrow(
      /hj212\.clockSetting/,
    );
  });

  it("takes hj212.slowClockThresholdMs of 30 s or more", () => {
    expect(parseIngestConfig({ hj212: { slowClockThresholdMs: 30_000 } }).hj212.slowClockThresholdMs).toBe(
      30_000,
    );
    expect(() => parseIngestConfig({ hj212: { slowClockThresholdMs: 5000 } })).toThrow(
      "ingest config: hj212.slowClockThresholdMs: at least 30000 (30 s): real-time data arrive seconds late",
    );
    expect(() => parseIngestConfig({ hj212: { slowClockThresholdMs: 60_000.5 } })).toThrow(
      /hj212\.slowClockThresholdMs/,
    );
  });
});

describe("topicFilters", () => {
  it("uses $share/{group}/ filters (MQTT 5.0 §4.8.2) unless the group is empty", () => {
    expect(topicFilters("qingshan", "hj212")).toEqual([
      "$share/qingshan/stations/#",
      "$share/qingshan/hj212/#",
    ]);
    expect(topicFilters("", "hj212")).toEqual(["stations/#", "hj212/#"]);
  });
});

describe("mqtt.ownTopics", () => {
  it("defaults to the notifier's alerts/# and takes only MQTT topic filters", () => {
    expect(parseIngestConfig({}).mqtt.ownTopics).toEqual(["alerts/#"]);
    expect(parseIngestConfig({ mqtt: { ownTopics: ["qs/+/alerts/#"] } }).mqtt.ownTopics).toEqual([
      "qs/+/alerts/#",
    ]);
    expect(() => parseIngestConfig({ mqtt: { ownTopics: ["alerts/#/x"] } })).toThrow(/mqtt\.ownTopics/);
    expect(() => parseIngestConfig({ mqtt: { ownTopics: ["alerts+"] } })).toThrow(/mqtt\.ownTopics/);
  });
});
