import { createServer } from "node:net";
import { freePort } from "@qingshan/testkit";
import type { Cleanups } from "@qingshan/testkit/cleanups";
import { Aedes } from "aedes";

/**
 * A plain aedes broker on a free loopback port, standing in for an external broker (not the
 * embedded intake). `acked` lists, in order, the topics of the messages client `clientId`
 * acknowledged (its PUBACKs). Closed by a step pushed to `cleanups`.
 */
export async function startPlainBroker(
  clientId: string,
  cleanups: Cleanups,
): Promise<{ port: number; acked: string[] }> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  cleanups.push(async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const acked: string[] = [];
  broker.on("ack", (packet, client) => {
    if (client.id === clientId && packet.cmd === "publish") acked.push(packet.topic);
  });
  return { port, acked };
}
