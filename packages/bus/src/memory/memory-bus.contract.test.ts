import { describeBusContract } from "../testing/contract.ts";
import { createMemoryBus } from "./memory-bus.ts";

describeBusContract("memory bus", async () => ({
  bus: createMemoryBus({
    redelivery: { initialMs: 5, maxMs: 20 },
    maxMessageBytes: 65_536,
    onHandlerError: () => {},
  }),
  cleanup: async () => {},
}));

describeBusContract("memory bus, two partitions", async () => ({
  bus: createMemoryBus({ partitions: 2, redelivery: { initialMs: 5, maxMs: 20 }, onHandlerError: () => {} }),
  cleanup: async () => {},
}));
