import type { Message, Producer, TopicMessages } from "kafkajs";

interface Pending {
  readonly topic: string;
  readonly messages: Message[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Sends publishes through one idempotent producer with one request in flight: whatever was
 * published while a request was on the wire goes out together in the next one (natural batching,
 * like the in-process bus). Because requests never overlap, publishes reach each partition in
 * call order even when callers do not await each other.
 */
export class Publisher {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly producer: Producer) {}

  /** Resolves once the brokers acknowledged every message (acks = all). */
  send(topic: string, messages: Message[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, messages, resolve, reject });
      if (this.flushing === undefined) this.flushing = this.flush();
    });
  }

  /**
   * Waits up to `timeoutMs` for everything queued to be sent; what is still queued then is
   * rejected with `error` (never sent, so upstream must not acknowledge it).
   */
  async drain(timeoutMs: number, error: unknown): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    const sent = (async () => {
      while (this.flushing !== undefined) await this.flushing;
    })();
    await Promise.race([sent, timeout]);
    clearTimeout(timer);
    for (const p of this.queue.splice(0)) p.reject(error);
  }

  private async flush(): Promise<void> {
    // Let the publishes of this tick join the first request.
    await Promise.resolve();
    while (this.queue.length > 0) {
      const pending = this.queue;
      this.queue = [];
      const byTopic = new Map<string, Message[]>();
      for (const p of pending) {
        const list = byTopic.get(p.topic) ?? [];
        for (const m of p.messages) list.push(m);
        byTopic.set(p.topic, list);
      }
      const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
      try {
        await this.producer.sendBatch({ topicMessages, acks: -1 });
        for (const p of pending) p.resolve();
      } catch (error) {
        for (const p of pending) p.reject(error);
      }
    }
    this.flushing = undefined;
  }
}
