/**
 * `qingshan start` on SIGTERM while an HJ 212 station keeps its TCP connection open and silent,
 * as data loggers do between uploads: the process answers the station's packet, then exits
 * within the drain timeout instead of waiting for the station to hang up.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "@qingshan/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { spawnQingshan, stopGracefully } from "./support/qingshan-process.ts";

// hj212.md §7 B: a water station's hourly data with Flag=5, and the 9014 reply it asks for; the
// MN is station ld-wq-02 of seeds/liandu.
const PACKET_B =
  "##0443QN=20261128100012456;ST=21;CN=2061;PW=123456;MN=LDWQ0000000000000000002B;Flag=5;CP=&&DataTime=20261128090000;w01001-Min=7.18,w01001-Avg=7.24,w01001-Max=7.31,w01001-Flag=N;w01009-Min=6.52,w01009-Avg=6.71,w01009-Max=6.90,w01009-Flag=N;w01019-Avg=2.9,w01019-Flag=N;w21003-Avg=0.31,w21003-Flag=N;w21011-Avg=0.074,w21011-Flag=N;w21001-Avg=1.48,w21001-Flag=N;w01014-Avg=236,w01014-Flag=N;w01003-Avg=11.2,w01003-Flag=N;w01010-Avg=14.6,w01010-Flag=N&&09C0\r\n";
const PACKET_B_RESPONSE =
  "##0087QN=20261128100012456;ST=91;CN=9014;PW=123456;MN=LDWQ0000000000000000002B;Flag=4;CP=&&&&B101\r\n";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** A station that, like many data loggers, ignores the host's FIN (its side stays open). */
async function openStation(port: number): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  cleanups.push(() => {
    socket.destroy();
  });
  let text = "";
  socket.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  socket.on("error", () => {});
  return { socket, received: () => text };
}

describe("qingshan start with an HJ 212 station connected", () => {
  it("exits promptly on SIGTERM while one station stays connected and another has sent half a packet", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "qingshan-e2e-hj212-stop-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const hj212Port = await freePort();
    const proc = spawnQingshan("start", ["start"], {
      QINGSHAN_DATA_DIR: dataDir,
      QINGSHAN_MQTT_PORT: String(await freePort()),
      QINGSHAN_HTTP_PORT: String(await freePort()),
      QINGSHAN_HTTP_HOST: "127.0.0.1",
      QINGSHAN_HJ212_PORT: String(hj212Port),
      QINGSHAN_SIMULATOR: "off",
    });
    cleanups.push(() => stopGracefully(proc, 5_000));
    await proc.waitForOutput(/Qingshan is running/, 120_000);

    const idle = await openStation(hj212Port);
    idle.socket.write(PACKET_B);
    await waitFor(() => idle.received() === PACKET_B_RESPONSE, { what: "the 9014 reply", timeoutMs: 30_000 });
    const half = await openStation(hj212Port);
    half.socket.write(PACKET_B.slice(0, 200));
    await new Promise((resolve) => setTimeout(resolve, 200));

    // Before, the process stayed up until the stations hung up (the idle timeout: 15 min); the
    // drain timeout is 10 s, and with nothing in flight stopping takes well under that.
    const code = await Promise.race([
      proc.stop("SIGTERM"),
      new Promise<string>((resolve) => setTimeout(() => resolve("still running 10 s after SIGTERM"), 10_000)),
    ]);
    expect(code).toBe(0);
  }, 180_000);
});
