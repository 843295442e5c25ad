import type { AlertEvent } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import {
  baseConfig,
  cleanupAfterEach,
  MIN,
  publishAlerts,
  raised,
  startNotifier,
  startReceiver,
  startStoreAndBus,
  T0,
} from "./testdata/harness.ts";
import { recordingLogger } from "./testdata/recording-logger.ts";

const cleanup = cleanupAfterEach();

/** A raised event as the rule engine builds it: the rule's routing.routes on it. */
function routedRaise(alertId: string, ruleId: string, routes: string[] | undefined): AlertEvent {
  const e: AlertEvent = { ...raised(alertId), ruleId };
  return routes === undefined ? e : { ...e, routes };
}

describe("routing by the rule's routes (real HTTP receivers, DuckDB, in-process bus)", () => {
  it("a route delivers an alert only when the rule names it; old events without routes go to every route", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const dutyHook = await startReceiver(cleanup);
    const waterHook = await startReceiver(cleanup);
    const logger = recordingLogger();
    let t = T0;
    const notifier = await startNotifier(
      cleanup,
      baseConfig(dir, {
        email: { enabled: false },
        renotifyMinutes: 15,
        escalateAfterMinutes: 0,
        webhooks: [
          { name: "duty-json", format: "json", url: `${dutyHook.url}/duty` },
          { name: "water-json", format: "json", url: `${waterHook.url}/water` },
        ],
        routes: [
          { name: "duty", channels: ["duty-json"] },
          // The route's own filters still apply on top of the rule's choice.
          {
            name: "water-team",
            channels: ["water-json"],
            rules: ["water-*"],
            severities: ["warning", "critical"],
          },
        ],
      }),
      { bus, store, logger, now: () => t },
    );

    const events = [
      routedRaise("air", "aqi-hourly-heavy", ["duty"]),
      routedRaise("water", "water-below-target", ["water-team"]),
      routedRaise("both", "water-drinking-source-below-target", ["water-team", "duty"]),
      // Routed to water-team, but outside the route's rules filter: nobody.
      routedRaise("filtered", "dq-station-silent", ["water-team"]),
      // Stored before routes were carried: every route whose filters match.
      routedRaise("legacy", "water-below-target", undefined),
      // A route the notifier does not have: nobody, and a warning naming rule and route.
      routedRaise("lost", "noi-grade", ["publication"]),
    ];
    await publishAlerts(bus, ...events);
    await waitFor(() => notifier.openAlerts().length === events.length, { what: "every alert folded" });
    const alertsAt = (hook: { received: Array<{ body: Record<string, unknown> }> }) =>
      hook.received.map((r) => (r.body.event as AlertEvent).id).sort();
    await waitFor(() => dutyHook.received.length === 3 && waterHook.received.length === 3, {
      what: "the routed webhooks",
    });
    expect(alertsAt(dutyHook)).toEqual(["air:raised", "both:raised", "legacy:raised"]);
    expect(alertsAt(waterHook)).toEqual(["both:raised", "legacy:raised", "water:raised"]);
    expect(logger.warnings).toEqual([
      {
        fields: expect.objectContaining({
          ruleId: "noi-grade",
          route: "publication",
          routes: ["duty", "water-team"],
        }),
        msg: expect.stringContaining('rule "noi-grade" routes its alerts to "publication"'),
      },
    ]);

    // Reminders follow the same routes (the state keeps the raised event's routes).
    t += 15 * MIN;
    await notifier.tick();
    await waitFor(() => dutyHook.received.length === 6 && waterHook.received.length === 6, {
      what: "the routed reminders",
    });
    expect(alertsAt(dutyHook).filter((id) => id.includes("renotified"))).toEqual([
      "air:renotified:1",
      "both:renotified:1",
      "legacy:renotified:1",
    ]);
    expect(alertsAt(waterHook).filter((id) => id.includes("renotified"))).toEqual([
      "both:renotified:1",
      "legacy:renotified:1",
      "water:renotified:1",
    ]);
    // Warned once per unknown route, not per event.
    expect(logger.warnings).toHaveLength(1);
    await notifier.stop();
    expect([dutyHook.received.length, waterHook.received.length]).toEqual([6, 6]);
  });
});
