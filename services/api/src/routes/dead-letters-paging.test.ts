import type { DeadLetter } from "@qingshan/domain";
import { beforeAll, describe, expect, it } from "vitest";
import { T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";
import { parseCsv } from "../testdata/csv.ts";

const api = useApiFixture({
  name: "dead-letters-paging",
  stations: [TEST_STATION.aq1],
  readings: [],
  now: T("2026-11-29T12:00:00+08:00"),
});

const AT = T("2026-11-29T10:00:00+08:00");
const letter = (id: string, receivedAt: number, code: DeadLetter["code"]): DeadLetter => ({
  id,
  receivedAt,
  source: "mqtt",
  origin: "stations/aq1/air",
  stationId: "aq1",
  code,
  path: "values.pm25",
  message: `${code} at ${id}`,
  payload: "{}",
});

// Seven dead letters: three of one message, rejected in the same millisecond (a page may end among
// them), and four at other times.
const LETTERS = [
  letter("m1-a", AT, "value.out_of_range"),
  letter("m1-b", AT, "value.out_of_range"),
  letter("m1-c", AT, "unit.mismatch"),
  letter("m2", AT - 60_000, "value.out_of_range"),
  letter("m3", AT - 120_000, "payload.malformed"),
  letter("m4", AT + 60_000, "value.out_of_range"),
  letter("m5", AT + 120_000, "ts.future"),
];

beforeAll(async () => {
  await api.store.writeDeadLetters(LETTERS);
});

const range = `from=${encodeURIComponent("2026-11-29T09:00:00+08:00")}&to=${encodeURIComponent("2026-11-29T11:00:00+08:00")}`;

async function get(url: string) {
  const res = await api.app.inject({ url });
  return { status: res.statusCode, body: res.json(), link: res.headers.link };
}

/** Every page from `url`, following `next`. */
async function allPages(url: string) {
  const pages = [];
  let next: string | undefined = url;
  while (next !== undefined) {
    const page = await get(next);
    expect(page.status).toBe(200);
    pages.push(page);
    if (page.body.next !== undefined) expect(page.link).toBe(`<${page.body.next}>; rel="next"`);
    else expect(page.link).toBeUndefined();
    next = page.body.next;
  }
  return pages;
}

describe("/deadletters code", () => {
  it("an unknown code is a 400 naming code and listing the rejection codes (was: 200, empty)", async () => {
    const { status, body } = await get("/api/v1/deadletters?code=foo");
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: "query.invalid", parameter: "code", received: "foo" });
    for (const code of [
      "payload.malformed",
      "value.out_of_range",
      "ts.future",
      "hj212.crc",
      "bus.message_too_large",
    ])
      expect(body.error.expected).toContain(code);
    expect(body.error.expected).toMatch(/^one of payload\.too_large, payload\.malformed, /);
  });

  it("a known code filters", async () => {
    const { body } = await get(`/api/v1/deadletters?${range}&code=value.out_of_range`);
    expect(body.deadLetters.map((d: DeadLetter) => d.id)).toEqual(["m4", "m1-b", "m1-a", "m2"]);
  });
});

describe("/deadletters pages as /readings does", () => {
  it("limit=2: the newest 2, truncated, with next and a Link header (was: no sign more matched)", async () => {
    const { body, link } = await get(`/api/v1/deadletters?${range}&limit=2`);
    expect(body).toMatchObject({ count: 2, truncated: true });
    expect(body.deadLetters.map((d: DeadLetter) => d.id)).toEqual(["m5", "m4"]);
    expect(body.next).toMatch(/^\/api\/v1\/deadletters\?.*cursor=/);
    expect(link).toBe(`<${body.next}>; rel="next"`);
  });

  it.each([1, 2, 3, 4])(
    "limit=%i: following next returns every dead letter once, in order",
    async (limit) => {
      const whole = await get(`/api/v1/deadletters?${range}`);
      expect(whole.body.truncated).toBe(false);
      expect(whole.body).not.toHaveProperty("next");
      expect(whole.link).toBeUndefined();
      const ids = whole.body.deadLetters.map((d: DeadLetter) => d.id);
      expect(ids).toEqual(["m5", "m4", "m1-c", "m1-b", "m1-a", "m2", "m3"]);
      const pages = await allPages(`/api/v1/deadletters?${range}&limit=${limit}`);
      expect(pages.flatMap((p) => p.body.deadLetters.map((d: DeadLetter) => d.id))).toEqual(ids);
      expect(pages.length).toBe(Math.ceil(ids.length / limit));
    },
  );

  it("pins a default range: next carries from and to", async () => {
    const { body } = await get("/api/v1/deadletters?limit=3");
    const next = new URL(body.next, "http://x").searchParams;
    expect(next.get("to")).toBe("2026-11-29T12:00:00+08:00");
    expect(next.get("from")).toBe("2026-11-28T12:00:00+08:00");
    const pages = await allPages(body.next);
    expect(pages.flatMap((p) => p.body.deadLetters.map((d: DeadLetter) => d.id))).toEqual([
      "m1-b",
      "m1-a",
      "m2",
      "m3",
    ]);
  });

  it("with a code filter, pages stay within it", async () => {
    const pages = await allPages(`/api/v1/deadletters?${range}&code=value.out_of_range&limit=1`);
    expect(pages.flatMap((p) => p.body.deadLetters.map((d: DeadLetter) => d.id))).toEqual([
      "m4",
      "m1-b",
      "m1-a",
      "m2",
    ]);
  });

  it("CSV carries the Link header, the only sign of more rows", async () => {
    const res = await api.app.inject({ url: `/api/v1/deadletters?${range}&limit=2&format=csv` });
    expect(parseCsv(res.body).rows.map((r) => r.id)).toEqual(["m5", "m4"]);
    expect(res.headers.link).toMatch(/^<\/api\/v1\/deadletters\?.*cursor=.*>; rel="next"$/);
  });

  it("a cursor of another code filter, or not written by the API, is a 400 naming cursor", async () => {
    const { body } = await get(`/api/v1/deadletters?${range}&limit=2`);
    const other = new URL(body.next, "http://x");
    other.searchParams.set("code", "ts.future");
    const wrong = await get(`${other.pathname}?${other.searchParams}`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ parameter: "cursor" });
    expect(wrong.body.error.expected).toContain("code ts.future");
    const junk = await get(`/api/v1/deadletters?${range}&cursor=abc`);
    expect(junk.body.error).toMatchObject({ parameter: "cursor", received: "abc" });
  });

  it("the OpenAPI document has cursor, truncated, next and the Link header", async () => {
    const doc = (await api.app.inject({ url: "/api/openapi.json" })).json();
    const op = doc.paths["/api/v1/deadletters"].get;
    const names = op.parameters.map((p: { name: string }) => p.name);
    expect(names).toContain("cursor");
    const code = op.parameters.find((p: { name: string }) => p.name === "code");
    expect(code.schema.enum).toContain("value.out_of_range");
    const ok = op.responses["200"];
    expect(ok.headers.Link).toBeDefined();
    const schema = ok.content["application/json"].schema;
    expect(schema.properties).toHaveProperty("truncated");
    expect(schema.properties).toHaveProperty("next");
  });
});
