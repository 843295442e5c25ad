/**
 * The alert state machine of one rule at one station, as pure functions over data time.
 *
 * idle ──raise──► pending ──held for `for`──► firing ──clear held `clear.for`──► quiet ──`damping` passed──► idle
 *                                               ▲  level up: at once                │
 *                                               │  level down: one step per          │ raise held `for` again:
 *                                               │  `stepDownFor` (measured levels:   │ the same alert continues
 *                                               │  to the level measured; no level   │
 *                                               │  held: no step, clear countdown)   │
 *                                               └────────────────────────────────────┘
 *
 * Durations count data time: a condition observed at t with step s "has held" from its first
 * observation t0 for t − t0 + s (three hourly values = 3 h). The machine never emits events
 * itself: the engine compares its state with what was announced (see engine.ts), so a state
 * rebuilt by replaying stored data produces no duplicate events.
 */

export type Phase = "idle" | "pending" | "firing" | "quiet";

/** One evaluation of a rule's condition at a data time. */
export interface Observation {
  /** Data time, UTC ms (an hour's end, a day's end, or a wall-clock instant for silence). */
  readonly t: number;
  /** Natural spacing of observations (1 h, 1 d; 0 for instants). */
  readonly stepMs: number;
  /** Most severe level whose raise condition holds; −1 when none. */
  readonly raise: number;
  /** Most severe level whose hold condition (clear threshold) still holds; ≥ raise. */
  readonly hold: number;
  /** No valid value: the state does not change. */
  readonly unknown: boolean;
  /** False when the value is a lower bound (partial data): it may raise but never lower or clear. */
  readonly canLower: boolean;
  /**
   * The value is a final verdict (a closed year's annual mean): when nothing holds, an open alert
   * clears at once, from any level, without waiting `clearForMs` or stepping down.
   */
  readonly final?: boolean;
}

export interface Timing {
  readonly forMs: number;
  readonly clearForMs: number;
  readonly stepDownMs: number;
  readonly dampingMs: number;
  /**
   * The levels are classes of the measured value (water classes): a level down goes straight to
   * the level observed (after `stepDownMs` below the current one), never through levels not
   * measured, and the alert clears `clearForMs` after no level holds, from any level.
   */
  readonly measuredLevels?: boolean;
  /**
   * When no level holds at all, the level is held (no step down to a level the value does not
   * meet either) and the alert clears `clearForMs` after, from any level; `stepDownMs` applies
   * only while a lower level still holds. Implied by `measuredLevels`.
   */
  readonly clearFromAnyLevel?: boolean;
}

export interface MachineState {
  phase: Phase;
  /** First data time of the current run of the raise condition (pending, quiet). */
  trueSince: number | undefined;
  /** Data time of the last observation applied. */
  lastT: number | undefined;
  alertId: string | undefined;
  startedAt: number | undefined;
  /** Current level index while firing or quiet; −1 otherwise. */
  level: number;
  /** Since when the observed level has been below the current level (reset after each step down). */
  belowSince: number | undefined;
  /** Since when nothing holds at all (hold = −1), not reset by steps. */
  clearSince: number | undefined;
  /** When the clear condition was met (quiet). */
  quietSince: number | undefined;
}

export function initialState(): MachineState {
  return {
    phase: "idle",
    trueSince: undefined,
    lastT: undefined,
    alertId: undefined,
    startedAt: undefined,
    level: -1,
    belowSince: undefined,
    clearSince: undefined,
    quietSince: undefined,
  };
}

/** Whether the state is an open alert (firing, or quiet within the damping period). */
export function isOpen(s: MachineState): boolean {
  return s.phase === "firing" || s.phase === "quiet";
}

function held(since: number, o: Observation): number {
  return o.t - since + o.stepMs;
}

/**
 * Applies one observation. `alertIdFor(startedAt)` names a new alert. Observations older than the
 * last one applied are ignored (the machine does not go back in time); a gap longer than three
 * steps breaks the runs being timed.
 *
 * @example
 * const s = initialState();
 * step(s, { t: 0, stepMs: 3_600_000, raise: 0, hold: 0, unknown: false, canLower: true },
 *   { forMs: 3_600_000, clearForMs: 0, stepDownMs: 0, dampingMs: 0 }, (t) => `r:s:${t}`);
 * s.phase // "firing"
 */
export function step(
  s: MachineState,
  o: Observation,
  timing: Timing,
  alertIdFor: (startedAt: number) => string,
): void {
  if (o.unknown) return;
  if (s.lastT !== undefined && o.t < s.lastT) return;
  const gap = s.lastT !== undefined && o.stepMs > 0 && o.t - s.lastT > 3 * o.stepMs;
  s.lastT = o.t;
  const raise = o.raise;
  const hold = o.canLower ? Math.max(o.hold, o.raise) : Math.max(o.hold, o.raise, s.level);

  if (s.phase === "idle" || s.phase === "pending") {
    if (raise < 0) {
      s.phase = "idle";
      s.trueSince = undefined;
      return;
    }
    if (s.phase === "idle" || gap || s.trueSince === undefined) s.trueSince = o.t;
    s.phase = "pending";
    if (held(s.trueSince, o) >= timing.forMs) {
      s.phase = "firing";
      s.startedAt = s.trueSince;
      s.alertId = alertIdFor(s.trueSince);
      s.level = raise;
      s.belowSince = undefined;
      s.clearSince = undefined;
      s.quietSince = undefined;
      s.trueSince = undefined;
    }
    return;
  }

  if (s.phase === "quiet") {
    if (raise >= 0) {
      if (gap || s.trueSince === undefined) s.trueSince = o.t;
      if (held(s.trueSince, o) >= timing.forMs) {
        // Flap damping: the condition is back within the damping period — the same alert goes on.
        s.phase = "firing";
        s.level = raise;
        s.trueSince = undefined;
        s.belowSince = undefined;
        s.clearSince = undefined;
        s.quietSince = undefined;
        return;
      }
    } else {
      s.trueSince = undefined;
    }
    if (s.quietSince !== undefined && o.t - s.quietSince >= timing.dampingMs) toIdle(s);
    return;
  }

  // firing
  if (raise > s.level) {
    s.level = raise; // escalate at once, to the worst level met (the engine announces one change)
    s.belowSince = undefined;
    s.clearSince = undefined;
    return;
  }
  if (hold >= s.level) {
    s.belowSince = undefined;
    s.clearSince = undefined;
    return;
  }
  if (o.final === true && hold < 0) {
    s.phase = "quiet";
    s.quietSince = o.t;
    s.belowSince = undefined;
    s.clearSince = undefined;
    if (timing.dampingMs === 0) toIdle(s);
    return;
  }
  if (s.belowSince === undefined || gap) s.belowSince = o.t;
  if (hold < 0) {
    if (s.clearSince === undefined || gap) s.clearSince = o.t;
  } else {
    s.clearSince = undefined;
  }
  if (timing.measuredLevels === true && hold >= 0) {
    if (held(s.belowSince, o) >= timing.stepDownMs) {
      s.level = hold; // to the level measured now, not through the ones between
      s.belowSince = undefined;
    }
    return;
  }
  if (s.level > 0 && timing.measuredLevels !== true && !(hold < 0 && timing.clearFromAnyLevel === true)) {
    if (held(s.belowSince, o) >= timing.stepDownMs) {
      s.level -= 1; // de-escalate one level at a time
      s.belowSince = undefined;
    }
    return;
  }
  if (s.clearSince !== undefined && held(s.clearSince, o) >= timing.clearForMs) {
    s.phase = "quiet";
    s.quietSince = o.t;
    s.belowSince = undefined;
    if (timing.dampingMs === 0) toIdle(s);
  }
}

function toIdle(s: MachineState): void {
  s.phase = "idle";
  s.trueSince = undefined;
  s.level = -1;
  s.belowSince = undefined;
  s.clearSince = undefined;
  s.quietSince = undefined;
}
