import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort, processAlive, suspendProcess, tcpReachable, waitFor } from "./index.ts";

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

  it("processAlive is true while a child runs, false once it has exited; true for PID 1 (whether ours or not)", async () => {
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
    const pid = child.pid as number;
    expect(processAlive(pid)).toBe(true);
    child.kill("SIGKILL");
    await once(child, "exit");
    expect(processAlive(pid)).toBe(false);
    expect(processAlive(1)).toBe(true);
  });

  it("suspendProcess resolves once the process is stopped (state T), and it runs on after SIGCONT", async () => {
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
    const pid = child.pid as number;
    const state = () => {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    };
    try {
      await suspendProcess(pid);
      expect(state()).toBe("T");
      process.kill(pid, "SIGCONT");
      await waitFor(() => state() !== "T", { what: "the child running again" });
    } finally {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
  });
});
