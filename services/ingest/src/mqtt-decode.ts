import type { SplitDecoded, SplitMessages } from "./hj212-split.ts";
import type { DecodedInput, IngestPipeline } from "./ingest-pipeline.ts";
import type { IngestTopics } from "./topics.ts";

/**
 * One MQTT message as ingest's input, whichever broker delivered it: station JSON, an HJ 212 packet
 * (with the MN its topic names, for the reply), or a topic.invalid dead letter for a topic ingest
 * does not take; undefined for Qingshan's own topics (its HJ 212 replies, the notifier's alerts).
 * With `splits`, HJ 212 split messages are reassembled (`split`: settle it after delivery, and
 * acknowledge the message only once `split.held()` resolved).
 */
export function decodeMqttMessage(
  pipeline: IngestPipeline,
  topics: IngestTopics,
  topic: string,
  payload: string | Uint8Array,
  splits?: SplitMessages,
): { decoded: DecodedInput; mn?: string; split?: SplitDecoded } | undefined {
  const found = topics.classify(topic);
  const submit = { source: "mqtt", origin: topic } as const;
  switch (found.kind) {
    case "station":
      return { decoded: pipeline.decodeJson(topic, payload, submit) };
    case "hj212": {
      // As bytes: a byte that is not UTF-8 (a GBK device) reaches the codec, which names it.
      if (splits === undefined) {
        return { decoded: pipeline.decodeHj212(payload, { ...submit, expectedMn: found.mn }), mn: found.mn };
      }
      const split = splits.decodeText(payload, { ...submit, expectedMn: found.mn });
      return { decoded: split.decoded, mn: found.mn, split };
    }
    case "invalid":
      // Acknowledged like any rejected message, but never lost silently: a mistyped topic is a dead letter.
      return {
        decoded: pipeline.decodeInvalidTopic(topic, payload, { ...submit, expected: topics.expected }),
      };
    default:
      return undefined;
  }
}
