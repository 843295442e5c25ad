import { describe, expect, it } from "vitest";
import { T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";

const fixture = useApiFixture({
  name: "query-errors",
  stations: [TEST_STATION.aq1, TEST_STATION.wq1, TEST_STATION.noi1],
  readings: [],
  now: T("2026-11-29T12:00:00+08:00"),
});

async function error(url: string) {
  const res = await fixture.app.inject({ url });
  return { status: res.statusCode, error: res.json().error };
}

describe("impossible calendar dates in time parameters", () => {
  const FEB_30 = "2026-02-30T00:00:00+08:00";
  it.each([
    ["/api/v1/series?station=aq1&metric=pm10&from=", "from"],
    ["/api/v1/series?station=aq1&metric=pm10&to=", "to"],
    ["/api/v1/readings?station=aq1&from=", "from"],
    ["/api/v1/aqi?station=aq1&to=", "to"],
    ["/api/v1/noi/grade?station=noi1&from=", "from"],
    ["/api/v1/deadletters?from=", "from"],
    ["/api/v1/alerts?from=", "from"],
    ["/api/v1/alerts?to=", "to"],
    ["/api/v1/network?at=", "at"],
  ])("%s2026-02-30… is a 400 naming %s (was: 2026-03-02)", async (url, parameter) => {
    const { status, error: body } = await error(`${url}${encodeURIComponent(FEB_30)}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: "query.invalid", parameter, received: FEB_30 });
    expect(body.expected).toContain("a real calendar date and time (2026-02 has no day 30)");
    expect(body.message).toContain(`query parameter "${parameter}" is "${FEB_30}"`);
  });
});

describe("enum-like parameters say which values are allowed", () => {
  it("a comma-list (alerts status, severity) names its values, not the pattern", async () => {
    const status = await error("/api/v1/alerts?status=closed");
    expect(status.status).toBe(400);
    expect(status.error).toEqual({
      code: "query.invalid",
      message:
        'query parameter "status" is "closed", expected one or more of open, acknowledged, resolved, comma-separated',
      parameter: "status",
      received: "closed",
      expected: "one or more of open, acknowledged, resolved, comma-separated",
    });
    const severity = await error("/api/v1/alerts?severity=warning,major");
    expect(severity.error.expected).toBe("one or more of info, warning, critical, comma-separated");
    expect(JSON.stringify([status, severity])).not.toContain("pattern");
  });
  it("enums name their values", async () => {
    expect((await error("/api/v1/series?station=aq1&metric=pm10&every=2h")).error.expected).toBe(
      "one of 1h, 1d, 1mo",
    );
    expect((await error("/api/v1/aqi?station=aq1&period=week")).error.expected).toBe("one of hour, day");
    expect((await error("/api/v1/readings?station=aq1&format=xml")).error.expected).toBe("one of json, csv");
  });
});

describe("epoch-millisecond and ISO times are range-checked per parameter", () => {
  it("Unix seconds are named as such, not read as January 1970", async () => {
    const { status, error: body } = await error("/api/v1/series?station=aq1&metric=pm10&from=1790000000");
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: "query.invalid", parameter: "from", received: "1790000000" });
    expect(body.expected).toContain("looks like seconds since 1970; give milliseconds or ISO 8601");
  });

  it.each([
    ["from", "179000000000000"], // year 7642
    ["from", "0"],
    ["from", "1999-12-31T23:59:59Z"],
    ["to", "2100-01-01T08:00:00+08:00"],
  ])("%s=%s is a 400 naming it, before the from/to order is checked", async (parameter, value) => {
    const other =
      parameter === "from" ? "to=2026-11-29T00:00:00%2B08:00" : "from=2026-11-28T00:00:00%2B08:00";
    const { status, error: body } = await error(
      `/api/v1/series?station=aq1&metric=pm10&${other}&${parameter}=${encodeURIComponent(value)}`,
    );
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: "query.invalid", parameter, received: value });
    expect(body.expected).toContain("a time between 2000-01-01 and 2100-01-01");
  });

  it("the same for at and the alerts' from/to; milliseconds in range still work", async () => {
    expect((await error("/api/v1/network?at=1790000000")).error).toMatchObject({ parameter: "at" });
    expect((await error("/api/v1/alerts?to=4102444800000")).error).toMatchObject({ parameter: "to" });
    expect((await error("/api/v1/compliance/water?at=946684799999")).error).toMatchObject({
      parameter: "at",
    });
    const ok = await fixture.app.inject({
      url: `/api/v1/series?station=aq1&metric=pm10&from=${T("2026-11-28T00:00:00+08:00")}&to=${T("2026-11-29T00:00:00+08:00")}`,
    });
    expect(ok.statusCode).toBe(200);
  });
});

// `to` defaults to now: a `from` after now is the client's mistake, not a `to` it never sent.
describe("a future `from` without `to`", () => {
  const FUTURE = "2026-11-30T00:00:00+08:00";
  it.each([
    "/api/v1/deadletters?",
    "/api/v1/series?station=aq1&metric=pm10&",
    "/api/v1/aqi?station=aq1&",
    "/api/v1/water/class?station=wq1&",
    "/api/v1/readings?station=aq1&",
    "/api/v1/noi/grade?station=noi1&",
  ])("%sfrom=<after now> is a 400 naming from, as sent, and saying it is after now", async (url) => {
    const { status, error: body } = await error(`${url}from=${encodeURIComponent(FUTURE)}`);
    expect(status).toBe(400);
    expect(body).toEqual({
      code: "query.invalid",
      message: `query parameter "from" is "${FUTURE}", expected a time before now (2026-11-29T12:00:00+08:00): "from" is after now and "to", not given, defaults to now`,
      parameter: "from",
      received: FUTURE,
      expected:
        'a time before now (2026-11-29T12:00:00+08:00): "from" is after now and "to", not given, defaults to now',
    });
  });

  it("from = now without to is refused the same way; an explicit reversed to still names to", async () => {
    const now = await error(`/api/v1/deadletters?from=${encodeURIComponent("2026-11-29T04:00:00Z")}`);
    expect(now.error).toMatchObject({ parameter: "from", received: "2026-11-29T04:00:00Z" });
    expect(now.error.expected).toContain('"from" is now and "to", not given, defaults to now');
    const reversed = await error(
      `/api/v1/deadletters?from=${encodeURIComponent(FUTURE)}&to=${encodeURIComponent("2026-11-29T00:00:00+08:00")}`,
    );
    expect(reversed.error).toMatchObject({
      parameter: "to",
      received: "2026-11-29T00:00:00+08:00",
      expected: 'a time after "from"',
    });
  });
});

// A "+" in a URL query decodes to a space, so an unencoded "+08:00" arrives as " 08:00": the 400
// says so and shows the parameter written with %2B, which the plain "expected ISO 8601 with an
// offset" did not (the time looks right to whoever typed it).
describe("an offset whose + was decoded as a space", () => {
  it("is a 400 naming the parameter and saying to write + as %2B", async () => {
    const { status, error: body } = await error(
      "/api/v1/series?station=aq1&metric=pm10&from=2026-11-28T00:00:00+08:00&to=2026-11-29T00:00:00%2B08:00",
    );
    expect(status).toBe(400);
    expect(body).toMatchObject({
      code: "query.invalid",
      parameter: "from",
      received: "2026-11-28T00:00:00 08:00",
    });
    expect(body.expected).toContain('a "+" in a URL query is read as a space');
    expect(body.expected).toContain("from=2026-11-28T00:00:00%2B08:00");
  });

  it("a time with a space before anything but an offset gets the plain message", async () => {
    const { error: body } = await error("/api/v1/series?station=aq1&metric=pm10&from=2026-11-28%2000:00:00");
    expect(body).toMatchObject({ parameter: "from" });
    expect(body.expected).not.toContain("%2B");
  });
});
