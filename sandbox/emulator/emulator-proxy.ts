import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request as httpRequest, type Server, type ServerResponse } from 'node:http';

/**
 * S3's answer to a SigV4 presigned URL past its `X-Amz-Date` + `X-Amz-Expires`, or
 * undefined while it is valid (or not presigned). moto does not check expiry; S3 does, and
 * the five-minute download links of GET /reports/{id}/files/{name} rely on it.
 */
export function expiredPresignedUrl(url: string, now: number): string | undefined {
  const query = new URL(url, 'http://emulator').searchParams;
  const date = query.get('X-Amz-Date');
  const expires = Number(query.get('X-Amz-Expires'));
  if (!date || !Number.isFinite(expires)) return undefined;
  const signedAt = Date.parse(
    date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  if (now <= signedAt + expires * 1000) return undefined;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>${expires}</X-Amz-Expires></Error>`;
}

/** A message the user pool would have e-mailed: an invitation's temporary password. */
export interface PoolMail {
  to: string;
  temporaryPassword: string;
}

/**
 * AdminCreateUser as Cognito runs it when it mails the invitation itself (no
 * TemporaryPassword given, no SUPPRESS): Cognito makes up the temporary password and
 * mails it; moto makes up none, so nobody could ever sign in. The proxy makes one up
 * (long, every character class) and hands it to `mail`. Any other request is unchanged.
 */
export function mailedInvitation(
  target: string,
  body: Buffer,
  mail: (message: PoolMail) => void,
): Buffer {
  if (target !== 'AWSCognitoIdentityProviderService.AdminCreateUser') return body;
  const request = JSON.parse(body.toString('utf8') || '{}') as {
    Username?: string;
    TemporaryPassword?: string;
    MessageAction?: string;
    UserAttributes?: { Name?: string; Value?: string }[];
  };
  if (request.TemporaryPassword || request.MessageAction === 'SUPPRESS') return body;
  const temporaryPassword = `Tmp-${randomBytes(9).toString('base64url')}-7a!`;
  const to =
    request.UserAttributes?.find((attribute) => attribute.Name === 'email')?.Value ??
    request.Username ??
    '';
  mail({ to, temporaryPassword });
  return Buffer.from(JSON.stringify({ ...request, TemporaryPassword: temporaryPassword }));
}

/** An e-mail a function sent through SES (v2), as the proxy saw it go by. */
export interface SentEmail {
  from: string;
  to: string[];
  subject: string;
  text: string;
}

/** The e-mail of an SES v2 SendEmail request (simple content), or undefined for any other. */
export function sentEmailOf(method: string, url: string, body: Buffer): SentEmail | undefined {
  if (method !== 'POST' || !url.startsWith('/v2/email/outbound-emails')) return undefined;
  const request = JSON.parse(body.toString('utf8') || '{}') as {
    FromEmailAddress?: string;
    Destination?: { ToAddresses?: string[] };
    Content?: {
      Simple?: { Subject?: { Data?: string }; Body?: { Text?: { Data?: string } } };
    };
  };
  const simple = request.Content?.Simple;
  return {
    from: request.FromEmailAddress ?? '',
    to: request.Destination?.ToAddresses ?? [],
    subject: simple?.Subject?.Data ?? '',
    text: simple?.Body?.Text?.Data ?? '',
  };
}

/** One AWS call as the proxy sees it: who made it (the caller's session token) and what. */
export interface AwsCall {
  /** `X-Amz-Security-Token`: the sandbox gives each function's environments their own. */
  sessionToken: string;
  /** `DynamoDB_20120810.TransactWriteItems`, `query.Publish`…, as `counts` names it. */
  operation: string;
}

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
  /**
   * Every AWS call that went through, by `service.Operation`, with DynamoDB capacity units
   * and the milliseconds the emulator took to answer (from forwarding to the answer's end).
   */
  readonly counts = new Map<string, { calls: number; units: number; ms: number }>();
  /**
   * DynamoDB capacity units by table (its name as the function called it), reads and
   * writes apart: what the capacity model (docs/capacity.md) spreads over partitions.
   */
  readonly tableUnits = new Map<string, { readUnits: number; writeUnits: number }>();
  /**
   * For fault-injection tests: every `everyNth` DynamoDB write is answered as throttled
   * (ProvisionedThroughputExceededException) instead of reaching the emulator.
   */
  faults: { everyNth: number } | undefined;
  /** How many writes were answered as throttled. */
  faultsInjected = 0;
  /**
   * For fault-injection tests: every SNS Publish to a phone number is refused as SNS
   * refuses a number it cannot publish to, with the number in the error's message.
   */
  refuseSms = false;
  /** SNS Publish calls to a phone number (SMS) passed on to the emulator; topics' are not. */
  smsPublished = 0;
  /**
   * For fault-injection tests: this many of the next SES SendEmail requests are refused
   * as SES refuses a message (MessageRejected), without reaching the emulator.
   */
  refuseEmails = 0;
  /**
   * For crash tests: asked about every call once the emulator has answered it, before the
   * caller gets the answer. A promise means the caller is dying: the answer is held back
   * until it settles, then the caller's connection is cut, so the call has landed and the
   * caller never learns it did.
   */
  interceptAnswer: ((call: AwsCall) => Promise<void> | undefined) | undefined;
  /**
   * Runs a function for Lambda's synchronous Invoke (`POST /2015-03-31/functions/{name}/
   * invocations`): the sandbox's own host of the function, by its name or ARN; undefined
   * when no function has that name.
   */
  invokeFunction:
    | ((
        name: string,
        payload: unknown,
      ) => Promise<
        | { ok: true; result: unknown }
        | { ok: false; error: { errorType: string; errorMessage: string } }
        | undefined
      >)
    | undefined;
  private writes = 0;
  /** What the user pool mailed (invitations' temporary passwords), oldest first. */
  readonly mailbox: PoolMail[] = [];
  /** Told of each message as it is mailed. */
  onMail: ((message: PoolMail) => void) | undefined;
  /** Told of each e-mail a function sends through SES (the emulator keeps it too). */
  onEmail: ((email: SentEmail) => void) | undefined;

  private constructor(upstreamUrl: URL) {
    this.server = createServer(async (incoming, outgoing) => {
      const target = String(incoming.headers['x-amz-target'] ?? '');
      const dynamodb = target.startsWith('DynamoDB_');
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
      const body = mailedInvitation(target, Buffer.concat(chunks), (message) => {
        this.mailbox.push(message);
        this.onMail?.(message);
      });
      const email = sentEmailOf(incoming.method ?? '', incoming.url ?? '', body);
      if (email && this.refuseEmails === 0) this.onEmail?.(email);
      const operation = operationOf(target, incoming.url ?? '', body);
      if (operation) this.count(operation, target, body);
      const call = {
        sessionToken: String(incoming.headers['x-amz-security-token'] ?? ''),
        operation: operation ?? '',
      };
      const forward = () =>
        new Promise<void>((settle) => {
          const forwarded = performance.now();
          let settled = false;
          const done = () => {
            if (settled) return;
            settled = true;
            if (operation) this.time(operation, performance.now() - forwarded);
            settle();
          };
          const upstream = httpRequest(
            {
              hostname: upstreamUrl.hostname,
              port: upstreamUrl.port,
              method: incoming.method,
              path: incoming.url,
              // The body may have changed (mailedInvitation): its length with it.
              headers:
                incoming.headers['content-length'] === undefined
                  ? incoming.headers
                  : { ...incoming.headers, 'content-length': String(body.length) },
            },
            (response) => {
              const dying = operation ? this.interceptAnswer?.(call) : undefined;
              if (dying) {
                response.resume();
                response.on('end', () => {
                  void dying.finally(() => {
                    outgoing.destroy();
                    done();
                  });
                });
                return;
              }
              response.on('end', done);
              response.on('close', done);
              response.on('error', () => done());
              // A caller that died (a crashed environment) meanwhile: the call has landed, and
              // its answer is read to the end, else the DynamoDB queue would wait forever.
              if (outgoing.destroyed) {
                response.resume();
                return;
              }
              outgoing.once('close', () => {
                if (response.readableEnded) return;
                response.unpipe(outgoing);
                response.resume();
              });
              // moto closes every connection; the callers' connections to the proxy stay open
              // (Connection is hop-by-hop: RFC 9110 §7.6.1).
              const headers = { ...response.headers };
              delete headers.connection;
              delete headers['keep-alive'];
              outgoing.writeHead(response.statusCode ?? 502, headers);
              response.pipe(outgoing);
            },
          );
          upstream.on('error', (error) => {
            if (!outgoing.headersSent) outgoing.writeHead(502);
            outgoing.end(error.message);
            done();
          });
          upstream.end(body);
        });
      const invoked = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(incoming.url ?? '');
      if (invoked?.[1] && this.invokeFunction) {
        void this.answerInvoke(decodeURIComponent(invoked[1]), body, outgoing);
        return;
      }
      const expired = expiredPresignedUrl(incoming.url ?? '', Date.now());
      if (expired) {
        outgoing.writeHead(403, { 'content-type': 'application/xml' });
        outgoing.end(expired);
        return;
      }
      if (this.refuseSms && !target) {
        const form = new URLSearchParams(body.toString('utf8'));
        const phone = form.get('PhoneNumber');
        if (form.get('Action') === 'Publish' && phone) {
          outgoing.writeHead(400, { 'content-type': 'text/xml' });
          outgoing.end(
            `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>Invalid parameter: PhoneNumber Reason: ${phone} is not valid to publish to</Message></Error><RequestId>refused-by-the-sandbox</RequestId></ErrorResponse>`,
          );
          return;
        }
      }
      if (operation?.endsWith('Publish') && smsPhoneOf(target, body)) this.smsPublished += 1;
      if (email && this.refuseEmails > 0) {
        this.refuseEmails -= 1;
        outgoing.writeHead(400, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'MessageRejected',
        });
        outgoing.end(JSON.stringify({ message: 'Message rejected (refused by the sandbox)' }));
        return;
      }
      if (!dynamodb) {
        void forward();
        return;
      }
      if (
        this.faults &&
        /\.(PutItem|UpdateItem|DeleteItem|TransactWriteItems|BatchWriteItem)$/.test(target)
      ) {
        this.writes += 1;
        if (this.writes % this.faults.everyNth === 0) {
          this.faultsInjected += 1;
          outgoing.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
          outgoing.end(
            JSON.stringify({
              __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
              message: 'Throughput exceeded (injected by the sandbox)',
            }),
          );
          return;
        }
      }
      this.queue = this.queue.then(forward);
    });
  }

  /** Lambda's answer to Invoke: the result, or the function's error with its header. */
  private async answerInvoke(name: string, body: Buffer, outgoing: ServerResponse) {
    this.count('lambda.Invoke', '', body);
    const invocation = await this.invokeFunction?.(
      name,
      JSON.parse(body.toString('utf8') || 'null'),
    );
    if (!invocation) {
      outgoing.writeHead(404, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'ResourceNotFoundException',
      });
      outgoing.end(JSON.stringify({ Type: 'User', Message: `Function not found: ${name}` }));
      return;
    }
    if (!invocation.ok) {
      outgoing.writeHead(200, {
        'content-type': 'application/json',
        'x-amz-function-error': 'Unhandled',
      });
      outgoing.end(JSON.stringify(invocation.error));
      return;
    }
    outgoing.writeHead(200, { 'content-type': 'application/json' });
    outgoing.end(JSON.stringify(invocation.result ?? null));
  }

  /** Counts one AWS call; DynamoDB calls with the capacity units they would consume. */
  private count(operation: string, target: string, body: Buffer) {
    let units = 0;
    if (target.startsWith('DynamoDB_')) {
      const request = JSON.parse(body.toString('utf8') || '{}') as {
        TableName?: string;
        TransactItems?: Record<string, { TableName?: string }>[];
        ConsistentRead?: boolean;
        RequestItems?: Record<string, { Keys?: unknown[]; ConsistentRead?: boolean }>;
      };
      const name = target.split('.')[1] ?? '';
      const add = (table: string | undefined, kind: 'readUnits' | 'writeUnits', n: number) => {
        units += n;
        const entry = this.tableUnits.get(table ?? '') ?? { readUnits: 0, writeUnits: 0 };
        entry[kind] += n;
        this.tableUnits.set(table ?? '', entry);
      };
      // Items are under 1 KB: one unit per write, per strong read; transactions cost double.
      if (name === 'TransactWriteItems') {
        for (const item of request.TransactItems ?? []) {
          add(Object.values(item)[0]?.TableName, 'writeUnits', 2);
        }
      } else if (['PutItem', 'UpdateItem', 'DeleteItem'].includes(name)) {
        add(request.TableName, 'writeUnits', 1);
      } else if (name === 'GetItem' || name === 'Query') {
        add(request.TableName, 'readUnits', request.ConsistentRead ? 1 : 0.5);
      } else if (name === 'BatchGetItem') {
        for (const [table, { Keys = [], ConsistentRead }] of Object.entries(
          request.RequestItems ?? {},
        )) {
          add(table, 'readUnits', Keys.length * (ConsistentRead ? 1 : 0.5));
        }
      }
    }
    const entry = this.counts.get(operation) ?? { calls: 0, units: 0, ms: 0 };
    entry.calls += 1;
    entry.units += units;
    this.counts.set(operation, entry);
  }

  /** Adds the emulator's time for one answered call to its operation's count. */
  private time(operation: string, ms: number) {
    const entry = this.counts.get(operation);
    if (entry) entry.ms += ms;
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

/** The phone number an SNS Publish sends an SMS to (query or JSON protocol), if any. */
function smsPhoneOf(target: string, body: Buffer): string | undefined {
  const text = body.toString('utf8');
  if (!target) return new URLSearchParams(text).get('PhoneNumber') ?? undefined;
  try {
    const phone = (JSON.parse(text || '{}') as { PhoneNumber?: unknown }).PhoneNumber;
    return typeof phone === 'string' && phone ? phone : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The AWS operation a request calls: its JSON protocol target, or `query.<Action>` for the
 * query protocol (SNS); undefined for the emulator's own API and anything else.
 */
function operationOf(target: string, url: string, body: Buffer): string | undefined {
  if (url.startsWith('/moto-api')) return undefined;
  if (target) return target;
  const action = new URLSearchParams(body.toString('utf8')).get('Action');
  return action ? `query.${action}` : undefined;
}
