import type { Server } from "node:net";

/**
 * Starts `server` listening and resolves with the bound port. A port already in use becomes an
 * Error carrying `inUseMessage` (naming the setting to change), with the system error as cause.
 *
 * @example
 * const port = await listen(createServer(), 0, "127.0.0.1", "port 0 is already in use");
 */
export function listen(server: Server, port: number, host: string, inUseMessage: string): Promise<number> {
  return new Promise((resolve, reject) => {
    function onError(error: NodeJS.ErrnoException) {
      server.off("listening", onListening);
      if (error.code === "EADDRINUSE") reject(new Error(inUseMessage, { cause: error }));
      else reject(new Error(`cannot listen on ${host}:${port}: ${error.message}`, { cause: error }));
    }
    function onListening() {
      server.off("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    }
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}
