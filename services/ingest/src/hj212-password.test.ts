import { createMemoryBus } from "@qingshan/bus";
import { createStationRegistry, type StationInput } from "@qingshan/domain";
import { buildDataResponse, buildPacket, parsePacket } from "@qingshan/hj212";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { connectAsync } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createIngest } from "./index.ts";
import { AIR_MN, clock, collect, STATIONS, WATER_MN } from "./testdata/fixtures.ts";
import { connectTcpStation, repliesBefore, startHj212Listener } from "./testdata/hj212-listener.ts";

// "Any station can send any MN": a station registered with its access password (hj212.pw) has
// every packet with another PW rejected whole (hj212.field at PW), over TCP and MQTT alike.

const cleanups = cleanupsAfterEach();

const PW = "654321";
/** ld-wq-02 with its access password; ld-aq-01 without (any PW taken, as before). */
const registry = createStationRegistry(
  STATIONS.map((s): StationInput => (s.id === "ld-wq-02" ? { ...s, hj212: { mn: WATER_MN, pw: PW } } : s)),
  "hj212 password test",
);

/** Hourly pH of ld-wq-02 (CN 2061), Flag=5, with `pw`. */
function waterUpload(pw: string | undefined, qn = "20261128100012456"): string {
  return buildPacket({
    qn,
    st: "21",
    cn: "2061",
    ...(pw === undefined ? {} : { pw }),
    mn: WATER_MN,
    flag: 5,
    cp: "DataTime=20261128090000;w01001-Avg=7.24,w01001-Flag=N",
  });
}
/** The same with the right PW and another QN: sent last, its 9014 shows the others were handled. */
const SENTINEL = waterUpload(PW, "20261128100012999");
const SENTINEL_RESPONSE = buildDataResponse(parsePacket(SENTINEL));

async function setup() {
  const { port, got, counter } = await startHj212Listener(cleanups, { registry });
  const station = await connectTcpStation(port, cleanups);
  /** Writes `packets` and the sentinel; the packets the host sent before the sentinel's 9014. */
  const send = (...packets: string[]) => repliesBefore(station, packets, SENTINEL, SENTINEL_RESPONSE);
  return { got, send, counter };
}

describe("HJ 212 access password (station hj212.pw) over TCP", () => {
  it("rejects a data upload with another PW or none: nothing stored, a dead letter at PW, no 9014 (the station keeps and resends it)", async () => {
    const { got, send } = await setup();
    expect(await send(waterUpload("123456"), waterUpload(undefined, "20261128100012457"))).toEqual([]);
    // Only the sentinel's pH reading.
    expect(got.readings.map((d) => d.value.ts)).toEqual([Date.parse("2026-11-28T09:00:00+08:00")]);
    expect(got.readings).toHaveLength(1);
    expect(got.deadLetters.map((d) => [d.value.code, d.value.path, d.value.stationId])).toEqual([
      ["hj212.field", "PW", "ld-wq-02"],
      ["hj212.field", "PW", "ld-wq-02"],
    ]);
    expect(got.deadLetters[0]?.value.message).toBe(
      'hj212.field: "PW" is "123456", expected the access password configured for station ld-wq-02 (hj212.pw); nothing of this packet is stored',
    );
    expect(got.deadLetters.map((d) => d.value.message).join()).not.toContain(PW);
  });

  it("answers a 1013 with another PW and Flag=5 with 9011 QnRtn=3 (wrong PW), sets no clock", async () => {
    const { got, send, counter } = await setup();
    const request = (pw: string, flag: number) =>
      buildPacket({ qn: "20261128103000001", st: "21", cn: "1013", pw, mn: WATER_MN, flag, cp: "" });
    const replies = await send(request("123456", 5), request("123456", 4));
    expect(replies.map((p) => p.raw)).toEqual([
      buildPacket({
        qn: "20261128103000001",
        st: "91",
        cn: "9011",
        pw: "123456",
        mn: WATER_MN,
        flag: 4,
        cp: "QnRtn=3",
      }),
    ]);
    expect(got.deadLetters.map((d) => [d.value.code, d.value.path])).toEqual([
      ["hj212.field", "PW"],
      ["hj212.field", "PW"],
    ]);
    expect(await counter("qingshan_hj212_clock_sets_total", { reason: "request" })).toBe(0);
    // With its PW the request is the station's: 9013 and 1012, no dead letter.
    expect((await send(request(PW, 5))).map((p) => p.cn)).toEqual(["9013", "1012"]);
    expect(got.deadLetters).toHaveLength(2);
  });

  it("dead-letters a 9011 with another PW instead of taking it as the station's answer", async () => {
    const { got, send, counter } = await setup();
    const answer = buildPacket({
      qn: "20261128103000001",
      st: "91",
      cn: "9011",
      pw: "123456",
      mn: WATER_MN,
      flag: 4,
      cp: "QnRtn=1",
    });
    expect(await send(answer)).toEqual([]);
    expect(got.deadLetters.map((d) => [d.value.code, d.value.path])).toEqual([["hj212.field", "PW"]]);
    expect(await counter("qingshan_hj212_command_answers_total", { cn: "9011", result: "1" })).toBe(0);
  });

  it("takes any PW from a station registered without one (ld-aq-01)", async () => {
    const { got, send } = await setup();
    const air = buildPacket({
      qn: "20261128103005123",
      st: "22",
      cn: "2011",
      pw: "000000",
      mn: AIR_MN,
      flag: 5,
      cp: "DataTime=20261128103000;a34004-Rtd=35,a34004-Flag=N",
    });
    expect((await send(air)).map((p) => p.cn)).toEqual(["9014"]);
    expect(got.deadLetters).toEqual([]);
    expect(got.readings).toHaveLength(2);
  });
  it("rejects a heartbeat (9015) or an upload the series does not hold with another PW: not counted, not answered", async () => {
    const { got, send, counter } = await setup();
    // 2031 daily data (HJ 212-2017, Flag=5) is never stored, answered and counted; 9015 a heartbeat
    // (HJ 212-2025, Flag=9).
    const packet = (cn: string, pw: string, qn: string) =>
      cn === "9015"
        ? buildPacket({ qn, st: "21", cn, pw, mn: WATER_MN, flag: 9, cp: "" })
        : buildPacket({
            qn,
            st: "21",
            cn,
            pw,
            mn: WATER_MN,
            flag: 5,
            cp: "DataTime=20261128000000;w01001-Avg=7.3,w01001-Flag=N",
          });
    const wrong = [
      packet("2031", "123456", "20261128100012460"),
      packet("9015", "123456", "20261128100012461"),
    ];
    expect(await send(...wrong)).toEqual([]);
    expect(got.deadLetters.map((d) => [d.value.code, d.value.path])).toEqual([
      ["hj212.field", "PW"],
      ["hj212.field", "PW"],
    ]);
    expect(await counter("qingshan_hj212_uploads_not_stored_total", { cn: "2031" })).toBe(0);
    expect(await counter("qingshan_hj212_heartbeats_total")).toBe(0);
    // With the password: the 2031 answered (9014) and counted, the heartbeat counted.
    const right = [packet("2031", PW, "20261128100012462"), packet("9015", PW, "20261128100012463")];
    expect((await send(...right)).map((p) => p.cn)).toEqual(["9014"]);
    expect(await counter("qingshan_hj212_uploads_not_stored_total", { cn: "2031" })).toBe(1);
    expect(await counter("qingshan_hj212_heartbeats_total")).toBe(1);
    expect(got.deadLetters).toHaveLength(2);
  });
});

describe("HJ 212 access password over MQTT", () => {
  it("rejects the upload the same way and publishes no reply on hj212/{MN}/reply", async () => {
    const bus = createMemoryBus();
    await bus.start();
    cleanups.push(() => bus.stop());
    const got = await collect(bus);
    const ingest = createIngest(
      { mqtt: { embeddedPort: 0, embeddedHost: "127.0.0.1" }, hj212: { tcpPort: 0 } },
      { bus, registry, clock, logger: pino({ level: "silent" }), metricsRegistry: new Registry() },
    );
    await ingest.start();
    cleanups.push(() => ingest.stop());
    const client = await connectAsync(ingest.brokerUrl as string, {
      clientId: "pw-test",
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    cleanups.push(() => client.endAsync(true));
    const replies: string[] = [];
    client.on("message", (_topic, payload) => replies.push(payload.toString("utf8")));
    await client.subscribeAsync(`hj212/${WATER_MN}/reply`, { qos: 1 });
    await client.publishAsync(`hj212/${WATER_MN}`, waterUpload("123456"), { qos: 1 });
    await client.publishAsync(`hj212/${WATER_MN}`, SENTINEL, { qos: 1 });
    await waitFor(() => replies.length >= 1, { what: "the sentinel's reply" });
    expect(replies).toEqual([SENTINEL_RESPONSE]);
    expect(got.deadLetters.map((d) => [d.value.code, d.value.path, d.value.stationId])).toEqual([
      ["hj212.field", "PW", "ld-wq-02"],
    ]);
    expect(got.readings).toHaveLength(1);
  });
});
