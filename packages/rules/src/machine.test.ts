import { describe, expect, it } from "vitest";
import { initialState, isOpen, type Observation, step, type Timing } from "./machine.ts";

const H = 3_600_000;
const obs = (t: number, raise: number, hold = raise, extra: Partial<Observation> = {}): Observation => ({
  t: t * H,
  stepMs: H,
  raise,
  hold: Math.max(hold, raise),
  unknown: false,
  canLower: true,
  ...extra,
});
const timing = (over: Partial<Timing> = {}): Timing => ({
  forMs: 0,
  clearForMs: 0,
  stepDownMs: 0,
  dampingMs: 0,
  ...over,
});
const id = (t: number) => `r:s:${t / H}`;

function run(series: [number, number, number?][], t: Timing) {
  const s = initialState();
  return series.map(([at, raise, hold]) => {
    step(s, obs(at, raise, hold ?? raise), t, id);
    return { phase: s.phase, level: s.level, alertId: isOpen(s) ? s.alertId : undefined };
  });
}

describe("alert state machine", () => {
  it("stays pending until the condition has held for `for` (three hourly values = 3 h)", () => {
    const out = run(
      [
        [1, 0],
        [2, 0],
        [3, 0],
      ],
      timing({ forMs: 3 * H }),
    );
    expect(out.map((o) => o.phase)).toEqual(["pending", "pending", "firing"]);
    expect(out[2]?.alertId).toBe("r:s:1"); // named by the data time the condition started
  });

  it("a false value resets pending; a gap longer than three steps restarts the run", () => {
    expect(
      run(
        [
          [1, 0],
          [2, -1],
          [3, 0],
          [4, 0],
        ],
        timing({ forMs: 3 * H }),
      ).map((o) => o.phase),
    ).toEqual(["pending", "idle", "pending", "pending"]);
    const gap = run(
      [
        [1, 0],
        [2, 0],
        [7, 0],
      ],
      timing({ forMs: 3 * H }),
    );
    expect(gap.map((o) => o.phase)).toEqual(["pending", "pending", "pending"]);
  });

  it("hysteresis: inside the band the alert holds; it clears only after clear.for below the clear threshold", () => {
    // raise=0 above threshold; hold=0 between clear threshold and threshold; -1 below.
    const out = run(
      [
        [1, 0],
        [2, -1, 0],
        [3, -1],
        [4, -1, 0],
        [5, -1],
        [6, -1],
      ],
      timing({ clearForMs: 2 * H }),
    );
    expect(out.map((o) => o.phase)).toEqual(["firing", "firing", "firing", "firing", "firing", "idle"]);
  });

  it("flap damping: a re-raise within the damping period continues the same alert", () => {
    const out = run(
      [
        [1, 0],
        [2, -1],
        [3, -1],
        [4, 0],
        [5, -1],
        [6, -1],
        [7, -1],
        [8, -1],
      ],
      timing({ dampingMs: 3 * H }),
    );
    expect(out.map((o) => o.phase)).toEqual([
      "firing",
      "quiet",
      "quiet",
      "firing",
      "quiet",
      "quiet",
      "quiet",
      "idle",
    ]);
    expect(new Set(out.map((o) => o.alertId).filter(Boolean))).toEqual(new Set(["r:s:1"]));
  });

  it("escalates at once and de-escalates one level per stepDownFor, resolving only from the lowest level", () => {
    const out = run(
      [
        [1, 0],
        [2, 2],
        [3, -1],
        [4, -1],
        [5, -1],
        [6, -1],
        [7, -1],
        [8, -1],
      ],
      timing({ stepDownMs: 2 * H, clearForMs: 6 * H }),
    );
    expect(out.map((o) => o.level)).toEqual([0, 2, 2, 1, 1, 0, 0, -1]);
    expect(out[7]?.phase).toBe("idle");
  });

  it("ignores unknown values and observations older than the last one; partial data never lowers", () => {
    const s = initialState();
    step(s, obs(1, 1), timing(), id);
    step(s, obs(2, -1, -1, { unknown: true }), timing(), id);
    step(s, obs(0, -1), timing(), id);
    expect(s.level).toBe(1);
    step(s, obs(3, 0, 0, { canLower: false }), timing(), id);
    expect(s.level).toBe(1);
    step(s, obs(4, -1), timing(), id);
    expect(s.level).toBe(0);
  });
});

describe("a final observation (a closed year's verdict)", () => {
  it("clears an open alert at once, from any level, when nothing holds", () => {
    const t = timing({ clearForMs: 7 * 24 * H, stepDownMs: 7 * 24 * H });
    for (const level of [0, 1]) {
      const s = initialState();
      step(s, obs(1, level), t, id);
      expect(s.phase).toBe("firing");
      step(s, obs(2, -1), t, id);
      expect(s.phase).toBe("firing"); // clear.for not yet held
      step(s, obs(3, -1, -1, { final: true }), t, id);
      expect(s).toMatchObject({ phase: "idle", level: -1 });
    }
  });

  it("keeps damping, and changes nothing while a level still holds", () => {
    const s = initialState();
    const t = timing({ clearForMs: 7 * 24 * H, dampingMs: 2 * H });
    step(s, obs(1, 1), t, id);
    step(s, obs(2, 1, 1, { final: true }), t, id);
    expect(s).toMatchObject({ phase: "firing", level: 1 });
    step(s, obs(3, -1, -1, { final: true }), t, id);
    expect(s.phase).toBe("quiet");
  });
});
