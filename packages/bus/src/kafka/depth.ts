import type { Admin } from "kafkajs";
import { BUS_TOPICS, type BusTopic } from "../bus.ts";

/**
 * `depth()` for the Kafka bus: per topic, the records (a packed record counts once) not yet
 * committed by every consumer group, i.e. the sum over partitions of the largest lag of any group. Groups counted: those subscribed
 * through this bus plus every group on the cluster with committed offsets on the topic (so an API
 * process without subscriptions still reports the writer's lag). A group without a committed
 * offset on a partition lags by the whole partition when new groups start at "earliest". Ephemeral
 * groups (`isEphemeral`: one process's own, such as the API's live feed) are never counted: a dead
 * one's lag would otherwise stay until Kafka expires its offsets.
 * Refreshed in the background (it is for /metrics); `current` is the last refresh.
 */
export class DepthMonitor {
  current: Readonly<Record<BusTopic, number>> = zero();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly admin: Admin,
    private readonly topicName: (topic: BusTopic) => string,
    private readonly localGroups: () => ReadonlyMap<BusTopic, ReadonlySet<string>>,
    private readonly newGroupsFromEarliest: boolean,
    private readonly refreshMs: number,
    private readonly isEphemeral: (groupId: string) => boolean = () => false,
  ) {}

  start(): void {
    const tick = () => {
      this.timer = setTimeout(() => {
        void this.refresh().finally(() => {
          if (this.timer !== undefined) tick();
        });
      }, this.refreshMs);
      this.timer.unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.refreshing;
  }

  /** One refresh now; errors leave the previous value in place (metrics must not fail the bus). */
  refresh(): Promise<void> {
    this.refreshing ??= this.compute()
      .then(
        (value) => {
          this.current = value;
        },
        () => {},
      )
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private async compute(): Promise<Record<BusTopic, number>> {
    const listed = await this.admin.listGroups();
    const local = this.localGroups();
    const groups = new Set(listed.groups.filter((g) => g.protocolType === "consumer").map((g) => g.groupId));
    for (const set of local.values()) for (const g of set) groups.add(g);
    for (const g of groups) if (this.isEphemeral(g)) groups.delete(g);
    const names = BUS_TOPICS.map((t) => this.topicName(t));
    const ends = await Promise.all(names.map((name) => this.admin.fetchTopicOffsets(name)));
    const committedByGroup = await Promise.all(
      [...groups].map(async (groupId) => ({
        groupId,
        topics: await this.admin.fetchOffsets({ groupId, topics: names }),
      })),
    );
    const result = zero();
    BUS_TOPICS.forEach((topic, i) => {
      const name = names[i];
      const mine = local.get(topic) ?? new Set<string>();
      const lagPerPartition = new Map<number, bigint>();
      for (const { groupId, topics } of committedByGroup) {
        const offsets = topics.find((t) => t.topic === name);
        const committed = new Map((offsets?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
        const hasCommits = [...committed.values()].some((o) => o >= 0n);
        if (!hasCommits && !mine.has(groupId)) continue; // not a consumer of this topic
        for (const end of ends[i] ?? []) {
          const high = BigInt(end.high);
          const at = committed.get(end.partition) ?? -1n;
          const from = at >= 0n ? at : this.newGroupsFromEarliest ? BigInt(end.low) : high;
          const lag = high > from ? high - from : 0n;
          if (lag > (lagPerPartition.get(end.partition) ?? 0n)) lagPerPartition.set(end.partition, lag);
        }
      }
      let sum = 0n;
      for (const lag of lagPerPartition.values()) sum += lag;
      result[topic] = Number(sum);
    });
    return result;
  }
}

function zero(): Record<BusTopic, number> {
  return Object.fromEntries(BUS_TOPICS.map((t) => [t, 0])) as Record<BusTopic, number>;
}
