import { createServer, type RequestListener, type Server } from 'node:http';

/** Starts an HTTP server; a taken port becomes an error that says what to do about it. */
export function listen(handler: RequestListener, port: number, host?: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
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
