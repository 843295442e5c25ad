import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";

const root = join(import.meta.dirname, "../../..");

describe("loadConfig", () => {
  it("loads the shipped defaults with absolute paths", () => {
    const config = loadConfig({ root, env: {} });
    expect(config.mqtt).toEqual({
      url: "",
      embeddedPort: 1883,
      embeddedHost: "0.0.0.0",
      clientId: "",
      shareGroup: "qingshan",
    });
    expect(config.bus.kind).toBe("memory");
    expect(config.store.kind).toBe("duckdb");
    expect(config.http.port).toBe(8080);
    expect(config.stations).toBe(join(root, "seeds/liandu/stations.json"));
    expect(config.dataDir).toBe(join(root, "data"));
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("applies environment overrides with types", () => {
    const config = loadConfig({
      root,
      env: {
        QINGSHAN_MQTT_PORT: "1884",
        QINGSHAN_SIMULATOR: "off",
        QINGSHAN_DATA_DIR: "/tmp/q",
        QINGSHAN_MQTT_URL: "mqtt://127.0.0.1:1883",
      },
    });
    expect(config.mqtt.embeddedPort).toBe(1884);
    expect(config.mqtt.url).toBe("mqtt://127.0.0.1:1883");
    expect(config.simulator.enabled).toBe(false);
    expect(config.dataDir).toBe("/tmp/q");
  });

  it("names the variable or setting that is wrong", () => {
    expect(() => loadConfig({ root, env: { QINGSHAN_HTTP_PORT: "eighty" } })).toThrow(
      'QINGSHAN_HTTP_PORT="eighty": expected an integer',
    );
    const dir = mkdtempSync(join(tmpdir(), "qs-config-"));
    writeFileSync(
      join(dir, "bad.yaml"),
      "stations: s.json\ndataDir: d\nmqtt: { embeddedPort: 70000 }\nhj212: {}\nhttp: {}\ningest: {}\nstore: {}\nsimulator: {}\n",
    );
    expect(() => loadConfig({ root: dir, env: {}, file: "bad.yaml" })).toThrow(
      /bad\.yaml: mqtt\.embeddedPort: Too big/,
    );
  });

  it("selects the distributed adapters and SMTP from the environment", () => {
    const config = loadConfig({
      root,
      env: {
        QINGSHAN_BUS: "kafka",
        QINGSHAN_KAFKA_BROKERS: "127.0.0.1:9092,127.0.0.1:9093",
        QINGSHAN_STORE: "influx",
        QINGSHAN_INFLUX_URL: "http://127.0.0.1:8086",
        QINGSHAN_SMTP_HOST: "mail.example.org",
        QINGSHAN_SMTP_PORT: "2525",
      },
    });
    expect(config.bus).toMatchObject({ kind: "kafka", kafka: { brokers: "127.0.0.1:9092,127.0.0.1:9093" } });
    expect(config.store).toMatchObject({ kind: "influx", influx: { url: "http://127.0.0.1:8086" } });
    expect(config.notifier).toMatchObject({ email: { smtp: { host: "mail.example.org", port: 2525 } } });
    expect(() => loadConfig({ root, env: { QINGSHAN_BUS: "rabbit" } })).toThrow(/bus\.kind/);
  });

  it("validates the evaluator and notifier sections at load, naming the field", () => {
    expect(() => loadConfig({ root, env: { QINGSHAN_SMTP_PORT: "0" } })).toThrow(
      /notifier: .*email\.smtp\.port/,
    );
  });
});
