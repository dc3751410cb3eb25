import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** A request handler; Koa's `app.callback()` returns a promise (and answers its own errors). */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Starts an HTTP server; a taken port becomes an error that says what to do about it. */
export function listen(handler: RequestHandler, port: number, host?: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    // A handler that rejects anyway (a bug: Koa catches its own errors) drops that connection rather
    // than leave the request hanging or the rejection unhandled.
    const server = createServer((req, res) => void Promise.resolve(handler(req, res)).catch(() => res.destroy()));
    server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeout
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`Port ${port} is already in use: set PORT to a free port`) : err),
    );
    server.listen(port, host, () => resolve(server));
  });
}

/** Stops accepting connections and waits for in-flight requests to finish. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
