import { beforeAll, describe, expect, it } from "vitest";
import { reading, T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";
import { parseCsv } from "../testdata/csv.ts";

const NOW = T("2026-11-29T12:00:00+08:00");
const HYPERLINK = '=HYPERLINK("http://evil.example/x","report")';

const api = useApiFixture({
  name: "csv-injection",
  stations: [TEST_STATION.wq1],
  now: NOW,
  // Water temperature below zero: a number, written as it is.
  readings: [reading("wq1", "temp", T("2026-11-29T09:00:00+08:00"), 0, -3.5)],
});

beforeAll(async () => {
  // Anyone can publish over MQTT: a rejected payload comes back as text in /deadletters.
  await api.store.writeDeadLetters(
    [HYPERLINK, "+1+cmd", "-3.5", "@SUM(A1)", "\tx", "\rx", "plain"].map((payload, i) => ({
      id: `dl-${i}`,
      receivedAt: T("2026-11-29T09:00:00+08:00") + i,
      source: "mqtt",
      origin: "stations/wq1/water",
      code: "payload.malformed",
      path: i === 0 ? "=1+1" : "",
      message: "payload.malformed: not JSON",
      payload,
    })),
  );
});

const getCsv = async (url: string) => {
  const res = await api.app.inject({ url });
  expect(res.statusCode).toBe(200);
  expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
  return res.body;
};

// OWASP CSV injection: a spreadsheet evaluates a text cell starting with =, +, -, @, tab or CR.
describe("CSV exports neutralise text cells a spreadsheet would evaluate", () => {
  it("/deadletters: payload and path starting with = + - @ tab CR get a leading single quote", async () => {
    const body = await getCsv("/api/v1/deadletters?format=csv");
    expect(body).not.toContain(`,"=HYPERLINK`);
    const byId = new Map(parseCsv(body).rows.map((r) => [r.id, r]));
    expect(byId.get("dl-0")).toMatchObject({ payload: `'${HYPERLINK}`, path: "'=1+1" });
    expect([1, 2, 3, 4, 5, 6].map((i) => byId.get(`dl-${i}`)?.payload)).toEqual([
      "'+1+cmd",
      "'-3.5",
      "'@SUM(A1)",
      "'\tx",
      "'\rx",
      "plain",
    ]);
    // JSON keeps the payload as received.
    const json = (await api.app.inject({ url: "/api/v1/deadletters" })).json();
    expect(json.deadLetters.find((d: { id: string }) => d.id === "dl-0").payload).toBe(HYPERLINK);
  });

  it("/readings: a negative number stays a number", async () => {
    const { rows } = parseCsv(await getCsv("/api/v1/readings?station=wq1&metric=temp&format=csv"));
    expect(rows.map((r) => r.value)).toEqual(["-3.5"]);
  });
});
