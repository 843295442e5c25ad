import { describe, expect, it } from "vitest";
import { reading, T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";

const api = useApiFixture({
  name: "accept",
  stations: [TEST_STATION.aq1],
  now: T("2026-11-29T12:00:00+08:00"),
  readings: [reading("aq1", "pm25", T("2026-11-29T09:00:00+08:00"), 3_600_000, 35)],
});

const URL = "/api/v1/readings?station=aq1&metric=pm25";

async function typeFor(accept: string, query = ""): Promise<string> {
  const res = await api.app.inject({ url: `${URL}${query}`, headers: { accept } });
  expect(res.statusCode).toBe(200);
  return String(res.headers["content-type"]).split(";")[0] as string;
}

// RFC 9110 §12.5.1: the q-values of Accept say which type the client prefers.
describe("Accept q-values choose between JSON and CSV", () => {
  it.each([
    ["application/json, text/csv;q=0.1", "application/json"],
    ["text/csv;q=0.1, application/json", "application/json"],
    ["text/csv;q=0.9, application/json;q=1.0", "application/json"],
    ["application/json;q=0.5, text/csv", "text/csv"],
    ["text/csv, application/json;q=0.5", "text/csv"],
    ["*/*, text/csv;q=0.5", "application/json"],
    ["text/csv, */*;q=0.1", "text/csv"],
    ["text/csv;q=0", "application/json"],
    ["TEXT/CSV ; Q=0.2 , application/json ; q=0.1", "text/csv"],
    // Equal q: CSV, as before q-values were read.
    ["application/json, text/csv", "text/csv"],
    ["text/csv;q=0.5, application/json;q=0.5", "text/csv"],
    ["text/csv", "text/csv"],
    ["application/json", "application/json"],
    ["*/*", "application/json"],
    // text/* accepts CSV and not JSON: CSV alone or preferred; JSON when JSON is at least as wanted.
    ["text/*", "text/csv"],
    ["text/*, */*;q=0.1", "text/csv"],
    ["application/json, text/*", "application/json"],
    ["text/*;q=0.5, application/json", "application/json"],
    ["text/*;q=0", "application/json"],
    ["text/csv;q=0.1, text/*, application/json;q=0.5", "application/json"],
  ])("Accept: %s → %s", async (accept, type) => {
    expect(await typeFor(accept)).toBe(type);
  });

  it("?format= still wins over Accept", async () => {
    expect(await typeFor("application/json, text/csv;q=0.1", "&format=csv")).toBe("text/csv");
    expect(await typeFor("text/csv", "&format=json")).toBe("application/json");
  });
});
