import type { AlertEvent } from "@qingshan/domain";
import { StoreError } from "./errors.ts";

/** An alert event ready to store: its `at` as UTC epoch ms. */
export interface StorableAlertEvent {
  readonly event: AlertEvent;
  readonly atMs: number;
}

/**
 * Checks what a store needs of alert events (a non-empty id and a parseable `at`), and drops
 * repeated ids within the batch — the first wins, as events are immutable.
 * Throws store.event_invalid naming `events[i].field`.
 *
 * @example
 * const storable = storableAlertEvents(events); // [{ event, atMs: Date.parse(event.at) }, ...]
 */
export function storableAlertEvents(events: readonly AlertEvent[]): StorableAlertEvent[] {
  const seen = new Set<string>();
  const out: StorableAlertEvent[] = [];
  events.forEach((event, i) => {
    const fail = (field: string, value: unknown, expected: string): never => {
      throw new StoreError(
        "store.event_invalid",
        `events[${i}].${field} is ${JSON.stringify(value) ?? String(value)}, expected ${expected}`,
      );
    };
    for (const field of ["id", "alertId", "ruleId", "stationId", "type"] as const) {
      if (typeof event[field] !== "string" || event[field] === "")
        fail(field, event[field], "a non-empty string");
    }
    const atMs = typeof event.at === "string" ? Date.parse(event.at) : Number.NaN;
    if (!Number.isFinite(atMs)) fail("at", event.at, "an ISO 8601 time with offset");
    if (seen.has(event.id)) return;
    seen.add(event.id);
    out.push({ event, atMs });
  });
  return out;
}

/**
 * Order of queryAlertEvents: ascending by `at` (as an instant), ties by id.
 *
 * @example
 * rows.sort(compareStoredAlertEvents);
 */
export function compareStoredAlertEvents(a: StorableAlertEvent, b: StorableAlertEvent): number {
  return a.atMs - b.atMs || (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0);
}
