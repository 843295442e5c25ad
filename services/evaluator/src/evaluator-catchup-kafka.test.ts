/**
 * After `takeoverWaitMs` a new owner rebuilds without what the writer had not stored; it then keeps
 * watching the writer group and rebuilds again once the writer has stored it (real Kafka, real
 * writer, DuckDB whose writes are held back until the test releases them). Evaluator A processes
 * (and commits) the first 12 hours of a day; B takes the partition over, gives up waiting after
 * 500 ms and gets the rest of the day: 13 valid hours, no GB 3095 day mean. Once the writer
 * stores, B's catch-up rebuild holds all 25 hours and raises the day-mean alert. The watch ends
 * with the evaluator's stop or the partition's revocation: no rebuild and no admin call afterwards.
 */
import { createKafkaBus, type KafkaBus } from "@qingshan/bus";
import { quickRebalanceConfig, testKafkaBroker } from "@qingshan/bus/testing/kafka";
import { requireService, waitFor } from "@qingshan/testkit";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createEvaluator, type Evaluator } from "./evaluator.ts";
import { DEC_1, H, hourlyPm25, oneAirStation, quietKafkaLog, shippedRules } from "./testdata/fixtures.ts";
import { perTestResources } from "./testdata/per-test-resources.ts";

const broker = await testKafkaBroker();
const kafka = await requireService("kafka", () => broker.probe());
afterAll(() => broker.stop());

const registry = oneAirStation();
/** aq-1's PM2.5 for hours [from, to) of 1 December: 90–114 µg/m³, above the 75 limit. */
const hours = (from: number, to: number) => hourlyPm25(from, to, (i) => 90 + i);
const CLOCK = DEC_1 + 26 * H;
const DAY_MEAN = "gb3095-24h-pm25";
/** The evaluator's poll interval of the writer group's offsets (TAKEOVER_POLL_MS) and a margin. */
const A_FEW_POLLS_MS = 1_000;
const CATCH_UP = /rebuilding its stations again/;

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

const resources = perTestResources();

/** One member: its evaluator, its log, and how often it asked for the writer group's offsets. */
interface Member {
  readonly evaluator: Evaluator;
  readonly started: Promise<void>;
  readonly log: LogLine[];
  /** committedOffsets calls for the writer group so far. */
  writerPolls(): number;
}

/** A store, a Kafka bus, a writer held back, an alerts listener, and evaluator members of one group. */
async function scenario() {
  const id = `${Date.now().toString(36)}-${process.pid}`;
  const prefix = `qs-catchup-${id}.`;
  const evaluatorGroup = `evaluator-${id}`;
  const writerGroup = `writer-${id}`;
  const kafkaBus = (clientId = "qingshan"): KafkaBus =>
    createKafkaBus({ ...quickRebalanceConfig(broker.brokers, prefix, 1, quietKafkaLog), clientId });
  const main = kafkaBus();
  const { store, release, alerts } = await resources.startWithHeldWriter(main, {
    dirPrefix: "qingshan-evaluator-catchup-",
    writerGroup,
    alertsGroup: `alerts-${id}`,
  });

  /** Starts a member (`clientId` orders members: Kafka's round-robin gives partition 0 to the lowest). */
  async function member(takeoverWaitMs: number, clientId?: string): Promise<Member> {
    const bus = kafkaBus(clientId);
    await bus.start();
    let polls = 0;
    // The real bus, counting the evaluator's reads of the writer group's offsets.
    const counted = new Proxy(bus, {
      get(target, property) {
        if (property === "committedOffsets")
          return (group: string, topic: Parameters<KafkaBus["committedOffsets"]>[1]) => {
            if (group === writerGroup) polls++;
            return target.committedOffsets(group, topic);
          };
        const value: unknown = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const log: LogLine[] = [];
    const logger = pino(
      { level: "debug" },
      {
        write(line: string) {
          log.push(JSON.parse(line) as LogLine);
        },
      },
    );
    // Lateness of 3 days: every hour of the day counts as live data with the clock at its end.
    const evaluator = createEvaluator(
      { latenessMs: 72 * H, sweepSchedule: "0 0 1 1 *", group: evaluatorGroup, writerGroup, takeoverWaitMs },
      { bus: counted, store, registry, rules: shippedRules, logger, now: () => CLOCK },
    );
    const started = evaluator.start();
    resources.defer(async () => {
      await evaluator.stop();
      await bus.stop();
    });
    return { evaluator, started, log, writerPolls: () => polls };
  }

  /** A processes the first 12 hours; its group commits them; the writer cannot store them. A stops. */
  async function previousOwnerProcessedHalfADay(): Promise<void> {
    const a = await member(60_000);
    await a.started;
    await publishHours(0, 12);
    await waitFor(async () => (await main.committedOffsets(evaluatorGroup, "readings")).get(0) === "12", {
      timeoutMs: 30_000,
      what: "the evaluator group committed the first 12 hours",
    });
    expect(await main.committedOffsets(writerGroup, "readings")).toEqual(new Map());
    await a.evaluator.stop();
  }

  /** A member that took the partition over, gave up waiting for the writer and rebuilt without hours 0–11. */
  async function lateOwner(clientId?: string): Promise<Member> {
    const b = await member(500, clientId);
    await b.started;
    expect(b.evaluator.partitions()).toEqual([0]);
    expect(b.evaluator.stations()).toEqual(["aq-1"]);
    expect(b.log.filter((l) => l.level === 40)).toMatchObject([
      { partition: 0, evaluatorOffset: "12", writerOffset: null },
    ]);
    return b;
  }

  /** Publishes hours [from, to), one publish (so one record, one offset) each. */
  async function publishHours(from: number, to: number): Promise<void> {
    for (const message of hours(from, to)) await main.publish("readings", [message]);
  }

  const writerStored = (offset: string) =>
    waitFor(async () => (await main.committedOffsets(writerGroup, "readings")).get(0) === offset, {
      timeoutMs: 30_000,
      what: `the writer group committed offset ${offset}`,
    });
  const dayMeansRaised = () => alerts.filter((x) => x.ruleId === DAY_MEAN && x.type === "raised");

  return {
    main,
    store,
    evaluatorGroup,
    alerts,
    member,
    previousOwnerProcessedHalfADay,
    lateOwner,
    writerStored,
    publishHours,
    dayMeansRaised,
    release,
  };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!kafka.available)(
  `evaluator catch-up after a takeover timeout on the Kafka bus${kafka.note}`,
  () => {
    it("rebuilds again once the writer group stored what was missing: the day mean of both halves raises its alert, once", async () => {
      const s = await scenario();
      await s.previousOwnerProcessedHalfADay();
      const b = await s.lateOwner();

      // The rest of the day reaches B: 13 valid hours in its windows, too few for a GB 3095 day mean.
      await s.publishHours(12, 25);
      await waitFor(
        async () => (await s.main.committedOffsets(s.evaluatorGroup, "readings")).get(0) === "25",
        {
          timeoutMs: 30_000,
          what: "B processed the rest of the day",
        },
      );
      await settle(A_FEW_POLLS_MS);
      expect(s.dayMeansRaised(), "raised from the 13 hours B received").toEqual([]);
      expect(b.log.some((l) => CATCH_UP.test(l.msg))).toBe(false);
      expect(b.writerPolls(), "B watches the writer group after its timeout").toBeGreaterThan(2);

      // The writer stores all 25 hours and commits: B rebuilds with them, and the day mean is raised.
      s.release();
      await waitFor(() => s.dayMeansRaised().length > 0, {
        timeoutMs: 30_000,
        what: "the GB 3095 PM2.5 day-mean alert after the catch-up rebuild",
      });
      expect(s.dayMeansRaised()).toMatchObject([{ stationId: "aq-1" }]);
      // One catch-up, once the writer had stored all B had processed (25, not only A's 12): what B
      // counted live was in the store when it rebuilt.
      expect(b.log.filter((l) => CATCH_UP.test(l.msg))).toMatchObject([
        { level: 30, partition: 0, target: "25" },
      ]);

      // Later readings of the ongoing episode: evaluated on the complete windows, not re-raised.
      await s.publishHours(25, 27);
      await waitFor(
        async () => (await s.main.committedOffsets(s.evaluatorGroup, "readings")).get(0) === "27",
        {
          timeoutMs: 30_000,
          what: "B processed two more hours",
        },
      );
      await settle(A_FEW_POLLS_MS);
      expect(s.dayMeansRaised()).toHaveLength(1);
      // The watch has ended with the catch-up: no more reads of the writer group's offsets.
      const polls = b.writerPolls();
      await settle(A_FEW_POLLS_MS);
      expect(b.writerPolls()).toBe(polls);
      expect(b.log.filter((l) => l.level >= 50)).toEqual([]);
    }, 180_000);

    it("stop ends the watch: no admin call and no rebuild after it, although the writer then catches up", async () => {
      const s = await scenario();
      await s.previousOwnerProcessedHalfADay();
      const b = await s.lateOwner();
      await waitFor(() => b.writerPolls() >= 3, { timeoutMs: 10_000, what: "B watching the writer group" });
      await b.evaluator.stop();
      const polls = b.writerPolls();
      const lines = b.log.length;
      s.release();
      await s.writerStored("12");
      await settle(A_FEW_POLLS_MS);
      expect(b.writerPolls()).toBe(polls);
      expect(b.log.slice(lines).map((l) => l.msg)).toEqual([]);
      expect(s.dayMeansRaised()).toEqual([]);
    }, 180_000);

    it("revocation ends the watch: the old owner neither polls nor rebuilds once the partition moved", async () => {
      const s = await scenario();
      await s.previousOwnerProcessedHalfADay();
      const b = await s.lateOwner("z-late-owner");
      await waitFor(() => b.writerPolls() >= 3, { timeoutMs: 10_000, what: "B watching the writer group" });
      // C joins the group and, first in member order, takes partition 0; it waits for the writer.
      const c = await s.member(60_000, "a-next-owner");
      await waitFor(() => b.evaluator.partitions().length === 0, {
        timeoutMs: 30_000,
        what: "partition 0 revoked from B",
      });
      expect(b.evaluator.stations()).toEqual([]);
      const polls = b.writerPolls();
      const lines = b.log.length;
      s.release();
      await c.started;
      expect(c.evaluator.partitions()).toEqual([0]);
      expect(c.evaluator.stations()).toEqual(["aq-1"]);
      await s.writerStored("12");
      await settle(A_FEW_POLLS_MS);
      expect(b.writerPolls(), "B polled the writer group after the revocation").toBe(polls);
      expect(b.log.slice(lines).filter((l) => CATCH_UP.test(l.msg) || /station rebuilt/.test(l.msg))).toEqual(
        [],
      );
      expect(b.evaluator.stations()).toEqual([]);
    }, 180_000);
  },
);
