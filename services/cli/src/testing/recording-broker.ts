import { type EmbeddedBroker, startEmbeddedBroker } from "@qingshan/ingest";
import { freePort } from "@qingshan/testkit";
import type { Cleanups } from "@qingshan/testkit/cleanups";

/**
 * An MQTT broker on a free loopback port that records the topics published to it; its close is
 * pushed onto `cleanups`.
 */
export async function recordingBroker(
  cleanups: Cleanups,
): Promise<{ broker: EmbeddedBroker; topics: string[] }> {
  const topics: string[] = [];
  const broker = await startEmbeddedBroker({
    port: await freePort(),
    host: "127.0.0.1",
    intake: (message) => {
      topics.push(message.topic);
      return undefined;
    },
  });
  cleanups.push(() => broker.close());
  return { broker, topics };
}
