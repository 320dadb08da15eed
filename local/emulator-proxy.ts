import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';

/**
 * A pass-through proxy in front of the emulator that lets one DynamoDB request run at a
 * time. moto undoes a cancelled transaction by restoring snapshots of whole tables, which
 * also undoes any write that another thread made meanwhile; in DynamoDB transactions are
 * isolated. Serialising DynamoDB calls gives the functions DynamoDB's guarantee back.
 * Every other service passes through concurrently.
 */
export class EmulatorProxy {
  private readonly server: Server;
  private queue: Promise<void> = Promise.resolve();

  private constructor(target: URL) {
    this.server = createServer((incoming, outgoing) => {
      const dynamodb = String(incoming.headers['x-amz-target'] ?? '').startsWith('DynamoDB_');
      const forward = () =>
        new Promise<void>((done) => {
          const upstream = httpRequest(
            {
              hostname: target.hostname,
              port: target.port,
              method: incoming.method,
              path: incoming.url,
              headers: incoming.headers,
            },
            (response) => {
              outgoing.writeHead(response.statusCode ?? 502, response.headers);
              response.pipe(outgoing);
              response.on('end', done);
              response.on('error', () => done());
            },
          );
          upstream.on('error', (error) => {
            if (!outgoing.headersSent) outgoing.writeHead(502);
            outgoing.end(error.message);
            done();
          });
          incoming.pipe(upstream);
        });
      if (!dynamodb) {
        void forward();
        return;
      }
      this.queue = this.queue.then(forward);
    });
  }

  /** Starts the proxy on a free loopback port in front of `target`. */
  static async start(target: string): Promise<EmulatorProxy> {
    const proxy = new EmulatorProxy(new URL(target));
    proxy.server.listen(0, '127.0.0.1');
    await once(proxy.server, 'listening');
    return proxy;
  }

  get endpoint(): string {
    const address = this.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close').catch(() => undefined);
  }
}
