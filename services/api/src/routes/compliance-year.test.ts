import { describe, expect, it } from "vitest";
import { T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";

// A year that has not begun was answered 200 "in progress" (with a mean required for the rest of
// it): it is a 400 naming `year` and the years allowed, on every compliance route.
const api = useApiFixture({
  name: "compliance-year",
  stations: [TEST_STATION.aq1, TEST_STATION.wq1],
  readings: [],
  now: T("2026-11-29T12:00:00+08:00"),
});

async function get(url: string) {
  const res = await api.app.inject({ url });
  return { status: res.statusCode, body: res.json() };
}

const YEAR_ROUTES = [
  "/api/v1/compliance/pm25",
  "/api/v1/compliance/air-annual",
  "/api/v1/compliance/aqi-days",
];

describe("compliance `year` after the current Beijing year", () => {
  it.each(YEAR_ROUTES.flatMap((route) => [2027, 2030].map((year) => [route, year] as const)))(
    "%s?year=%i is a 400 naming year and the allowed range",
    async (route, year) => {
      const { status, body } = await get(`${route}?year=${year}`);
      expect(status).toBe(400);
      expect(body.error).toEqual({
        code: "query.invalid",
        message: `query parameter "year" is "${year}", expected a year from 2000 to 2026 (the current Beijing year): ${year} has not begun`,
        parameter: "year",
        received: String(year),
        expected: `a year from 2000 to 2026 (the current Beijing year): ${year} has not begun`,
      });
    },
  );

  it.each(YEAR_ROUTES)("%s: the current year (in progress) and an earlier one answer 200", async (route) => {
    const current = await get(`${route}?year=2026`);
    expect(current.status).toBe(200);
    expect(current.body.inProgress).toBe(true);
    const past = await get(`${route}?year=2025`);
    expect(past.status).toBe(200);
    expect(past.body.inProgress).toBe(false);
    expect((await get(route)).status).toBe(200);
  });

  it("the current year is Beijing's: 2027 from 2027-01-01 00:00 +08:00 (still 2026 in UTC)", async () => {
    api.now = T("2026-12-31T15:59:59.999Z");
    expect((await get("/api/v1/compliance/pm25?year=2027")).status).toBe(400);
    api.now = T("2026-12-31T16:00:00Z");
    const body = (await get("/api/v1/compliance/pm25?year=2027")).body;
    expect(body).toMatchObject({ inProgress: true, elapsedDays: 0 });
  });
});

describe("compliance/water `at` in a month or year that has not begun", () => {
  it("period=month: at in a later month is a 400 naming at", async () => {
    const at = "2026-12-01T00:00:00+08:00";
    const { status, body } = await get(`/api/v1/compliance/water?at=${encodeURIComponent(at)}`);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({
      code: "query.invalid",
      parameter: "at",
      received: at,
      expected:
        "a time in a month that has begun: before 2026-12-01T00:00:00+08:00, the end of the current Beijing month (2026-11)",
    });
  });

  it("period=year: at in a later year is a 400; later this year is this year", async () => {
    const next = await get(
      `/api/v1/compliance/water?period=year&at=${encodeURIComponent("2030-06-01T00:00:00+08:00")}`,
    );
    expect(next.status).toBe(400);
    expect(next.body.error).toMatchObject({
      parameter: "at",
      expected:
        "a time in a year that has begun: before 2027-01-01T00:00:00+08:00, the end of the current Beijing year (2026)",
    });
    const later = await get(
      `/api/v1/compliance/water?period=year&at=${encodeURIComponent("2026-12-15T00:00:00+08:00")}`,
    );
    expect(later.status).toBe(200);
    expect(later.body).toMatchObject({ label: "2026", inProgress: true });
  });

  it("at later in the current month, or in a past one, answers 200", async () => {
    const today = await get(`/api/v1/compliance/water?at=${encodeURIComponent("2026-11-30T23:59:59+08:00")}`);
    expect(today.status).toBe(200);
    expect(today.body).toMatchObject({ label: "2026-11", inProgress: true });
    const past = await get(`/api/v1/compliance/water?at=${encodeURIComponent("2026-10-15T00:00:00+08:00")}`);
    expect(past.body).toMatchObject({ label: "2026-10", inProgress: false });
  });
});
