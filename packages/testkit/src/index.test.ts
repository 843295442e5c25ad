import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort, tcpReachable, waitFor } from "./index.ts";

describe("testkit", () => {
  it("finds a free port that a server can then listen on", async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    await expect(tcpReachable("127.0.0.1", port)).resolves.toBeUndefined();
    await new Promise((resolve) => server.close(resolve));
    await expect(tcpReachable("127.0.0.1", port, 500)).rejects.toThrow(/127\.0\.0\.1/);
  });

  it("waitFor returns the first truthy value and times out with the condition's name", async () => {
    let n = 0;
    await expect(waitFor(() => (++n >= 3 ? n : 0))).resolves.toBe(3);
    await expect(waitFor(() => false, { timeoutMs: 50, what: "never" })).rejects.toThrow(/never/);
  });
});
