import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";

const root = join(import.meta.dirname, "../../..");

describe("loadConfig", () => {
  it("loads the shipped defaults with absolute paths", () => {
    const config = loadConfig({ root, env: {} });
    expect(config.mqtt).toEqual({ url: "", embeddedPort: 1883, embeddedHost: "0.0.0.0" });
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
});
