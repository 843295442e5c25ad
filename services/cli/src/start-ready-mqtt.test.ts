/**
 * `qingshan start`'s /readyz checks ingest as `qingshan run ingest` does: on an external broker
 * (mqtt.url, a private Mosquitto of this test) 503 with `ingest` not ready while the broker is down,
 * 200 again once ingest has reconnected and subscribed; with the embedded broker `ingest` names it.
 * Real DuckDB, real Mosquitto; the API's shape `{ status, notReady, checks }`.
 */
import { join } from "node:path";
import { freePort, waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { requirePrivateMosquitto, startPrivateMosquitto } from "@qingshan/testkit/mosquitto";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { startPipeline } from "./start.ts";

const root = join(import.meta.dirname, "../../..");
const cleanups = cleanupsAfterEach();
const gate = await requirePrivateMosquitto();

interface Readiness {
  status: string;
  notReady: string[];
  checks: Record<string, { ok: boolean; detail: string }>;
}

async function startOn(env: Record<string, string>) {
  const dir = tempDir(cleanups, "qingshan-start-ready-");
  const config = loadConfig({
    root,
    env: {
      QINGSHAN_DATA_DIR: join(dir, "data"),
      QINGSHAN_SIMULATOR: "off",
      QINGSHAN_MQTT_PORT: String(await freePort()),
      QINGSHAN_HTTP_PORT: String(await freePort()),
      QINGSHAN_HTTP_HOST: "127.0.0.1",
      QINGSHAN_HJ212_PORT: "0",
      ...env,
    },
  });
  const pipeline = await startPipeline(config, pino({ level: "silent" }), root);
  cleanups.push(() => pipeline.stop());
  const readyz = async (): Promise<{ status: number; body: Readiness }> => {
    const response = await fetch(`${pipeline.apiUrl}/readyz`);
    return { status: response.status, body: (await response.json()) as Readiness };
  };
  return { pipeline, readyz };
}

describe.skipIf(!gate.available)(
  `qingshan start: /readyz checks ingest's broker${gate.note}`,
  { timeout: 90_000 },
  () => {
    it("is 503 naming ingest while the external broker is down, 200 once ingest is subscribed again", async () => {
      const broker = await startPrivateMosquitto();
      let brokerStopped = false;
      cleanups.push(async () => {
        if (!brokerStopped) await broker.stop();
      });
      const { readyz } = await startOn({ QINGSHAN_MQTT_URL: broker.url });
      const up = await readyz();
      expect(up.status).toBe(200);
      expect(up.body.status).toBe("ready");
      expect(up.body.checks.ingest).toEqual({
        ok: true,
        detail: `1/1 MQTT sessions connected and subscribed to ${broker.url}`,
      });

      // The broker goes away (a restart on the same port, held stopped while we look).
      const port = broker.port;
      brokerStopped = true;
      await broker.stop();
      const down = await waitFor(
        async () => {
          const r = await readyz();
          return r.status === 503 ? r : undefined;
        },
        { what: "/readyz to answer 503 while the broker is down" },
      );
      expect(down.body.status).toBe("not_ready");
      expect(down.body.notReady).toEqual(["ingest"]);
      expect(down.body.checks.ingest?.ok).toBe(false);
      expect(down.body.checks.ingest?.detail).toMatch(
        new RegExp(`^0/1 MQTT sessions connected and subscribed to ${broker.url}; `),
      );
      expect(down.body.checks.store?.ok).toBe(true);

      const again = await startPrivateMosquitto({ port });
      cleanups.push(() => again.stop());
      await waitFor(async () => (await readyz()).status === 200, {
        what: "/readyz 200 once ingest has reconnected",
        timeoutMs: 30_000,
      });
    });

    it("names the embedded broker in the ingest check", async () => {
      const { readyz } = await startOn({});
      const { status, body } = await readyz();
      expect(status).toBe(200);
      expect(body.checks.ingest).toEqual({
        ok: true,
        detail: expect.stringMatching(/^embedded broker on port \d+$/),
      });
    });
  },
);
