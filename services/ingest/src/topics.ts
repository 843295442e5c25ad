/**
 * Which MQTT topics ingest takes as station input, which belong to Qingshan's own publishers on
 * the same broker, and which are neither (a mistyped or wrong topic: dead-lettered as topic.invalid).
 */

/** What a topic is to ingest. */
export type TopicClass =
  | { readonly kind: "station" }
  | { readonly kind: "hj212"; readonly mn: string }
  /** Published by Qingshan itself (HJ 212 replies, the notifier's alerts) or reserved (`$…`): not input. */
  | { readonly kind: "own" }
  | { readonly kind: "invalid" };

export interface IngestTopics {
  classify(topic: string): TopicClass;
  /**
   * The topic filters ingest subscribes to on an external broker: every topic under `stations`
   * and under the HJ 212 prefix, so a mistyped one below them still arrives and is dead-lettered.
   */
  readonly filters: readonly string[];
  /** What a station topic must look like, for topic.invalid texts. */
  readonly expected: string;
}

/** A valid MQTT topic filter: `+` only as a whole level, `#` only as the whole last level (MQTT 3.1.1 §4.7.1). */
export function isTopicFilter(filter: string): boolean {
  if (filter === "") return false;
  const levels = filter.split("/");
  return levels.every(
    (level, i) =>
      level === "+" ||
      (level === "#" && i === levels.length - 1) ||
      (!level.includes("+") && !level.includes("#")),
  );
}

/** Whether `topic` matches the MQTT topic filter `filter` (`+` one level, `#` the rest; MQTT 3.1.1 §4.7). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    const level = f[i] as string;
    // MQTT 3.1.1 §4.7.1.2: "sport/#" also matches "sport".
    if (level === "#") return true;
    if (i >= t.length) return false;
    if (level !== "+" && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * The topics of ingest: station JSON on `stations/{stationId}/{kind}`, HJ 212 on `{prefix}/{MN}`;
 * `{prefix}/{MN}/reply` (ingest's own 9014 replies), `$…` topics and `ownTopics` (filters of other
 * Qingshan publishers, e.g. the notifier's `alerts/#`) are not input.
 *
 * @example
 * const topics = ingestTopics("hj212", ["alerts/#"]);
 * topics.classify("stations/ld-aq-01/air") // { kind: "station" }
 * topics.classify("hj212/LD0001/reply")    // { kind: "own" }
 * topics.classify("station/ld-aq-01/air")  // { kind: "invalid" }
 */
export function ingestTopics(hj212Prefix: string, ownTopics: readonly string[]): IngestTopics {
  const hj212Root = `${hj212Prefix}/`;
  return {
    filters: ["stations/#", `${hj212Prefix}/#`],
    expected: `stations/{stationId}/{kind} for JSON or ${hj212Prefix}/{MN} for HJ 212`,
    classify(topic) {
      if (topic.startsWith("stations/")) {
        const first = topic.indexOf("/", 9);
        // stations/{id}/{kind}: both levels non-empty, no third.
        if (first > 9 && first < topic.length - 1 && topic.indexOf("/", first + 1) === -1) {
          return { kind: "station" };
        }
      } else if (topic.startsWith(hj212Root)) {
        const mn = topic.slice(hj212Root.length);
        if (mn !== "" && !mn.includes("/")) return { kind: "hj212", mn };
        const slash = mn.indexOf("/");
        if (slash > 0 && mn.slice(slash) === "/reply") return { kind: "own" };
      }
      if (topic.startsWith("$")) return { kind: "own" };
      for (const filter of ownTopics) if (topicMatches(filter, topic)) return { kind: "own" };
      return { kind: "invalid" };
    },
  };
}
