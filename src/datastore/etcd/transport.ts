// JSON over HTTP/1.1 to etcd's gRPC gateway: one keep-alive agent per scheme,
// TLS with the configured CA and client certificate, a user/password token
// when configured, and fail-over between members.
//
// A call moves on to the next member by itself only when the request never
// left (connection refused, TLS handshake failed, no route): anything later
// may have been applied, and only the caller can tell a retried write that
// finds its own value from a genuine conflict (see etcd.ts).
import * as http from 'node:http';
import type * as https from 'node:https';
import type { Socket } from 'node:net';
import { type AuthenticateResponse, EtcdServerError, GRPC, serverError } from './wire.js';

export interface TlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

export interface TransportOptions {
  /** `http(s)://host:port`, tried in this order. */
  readonly endpoints: readonly string[];
  /** Deadline of one call, and of opening a stream. */
  readonly callTimeoutMs: number;
  /** node:https, passed in only when an endpoint needs it: TLS costs start-up time the CNI plugin pays on every call. */
  readonly https?: typeof https;
  readonly tls?: TlsMaterial;
  readonly auth?: { readonly username: string; readonly password: string };
}

/**
 * The connection failed. `unsent`: etcd cannot have seen the request.
 * `permanent`: trying again will not help (the server's certificate is not
 * trusted, or it refused ours).
 */
export class EtcdTransportError extends Error {
  constructor(
    readonly endpoint: string,
    message: string,
    readonly unsent: boolean,
    readonly permanent: boolean,
  ) {
    super(`${endpoint}: ${message}`);
    this.name = 'EtcdTransportError';
  }
}

/** Errors that mean no amount of retrying will make this TLS connection work. */
function isTlsRefusal(err: NodeJS.ErrnoException): boolean {
  const code = err.code ?? '';
  return (
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    code.includes('CERT') ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'
  );
}

export interface Stream {
  cancel(): void;
}

export interface StreamHandlers {
  /** One line of the response body (the gateway writes one JSON message per line). */
  readonly line: (line: string) => void;
  /** The stream is over, for whatever reason other than cancel(). */
  readonly end: (err: Error) => void;
}

interface Target {
  readonly endpoint: string;
  readonly options: http.RequestOptions;
  readonly module: Pick<typeof http, 'request'>;
}

export class EtcdTransport {
  private readonly targets: readonly Target[];
  private readonly agents: readonly http.Agent[];
  private readonly callTimeoutMs: number;
  private readonly auth: TransportOptions['auth'];
  /** The member calls go to first; moves on when it fails. */
  private preferred = 0;
  private token: Promise<string> | undefined;
  private closed = false;

  constructor(options: TransportOptions) {
    this.callTimeoutMs = options.callTimeoutMs;
    this.auth = options.auth;
    const httpAgent = new http.Agent({ keepAlive: true });
    const httpsAgent =
      options.https === undefined ? undefined : new options.https.Agent({ keepAlive: true, ...options.tls });
    this.agents = httpsAgent === undefined ? [httpAgent] : [httpAgent, httpsAgent];
    this.targets = options.endpoints.map((endpoint) => {
      const url = new URL(endpoint);
      const secure = url.protocol === 'https:';
      const module = secure ? options.https : http;
      if (module === undefined) throw new Error(`${endpoint}: https endpoint without node:https`);
      return {
        endpoint,
        module,
        options: {
          agent: secure ? httpsAgent : httpAgent,
          hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
          method: 'POST',
        },
      };
    });
  }

  /** POSTs `body` to `path` (e.g. `/v3/kv/range`) and returns the parsed answer. */
  async call<T>(path: string, body: unknown): Promise<T> {
    const token = await this.authToken();
    try {
      return await this.send<T>(path, body, token);
    } catch (err) {
      if (!(err instanceof EtcdServerError && err.invalidToken && token !== undefined)) throw err;
      // Simple tokens expire (--auth-token-ttl) and die with a restarted member.
      if (this.token !== undefined && (await this.token.catch(() => undefined)) === token) this.token = undefined;
      return this.send<T>(path, body, await this.authToken());
    }
  }

  /** Opens a streaming POST (watch) on the preferred member. */
  stream(path: string, body: unknown, handlers: StreamHandlers): Stream {
    let req: http.ClientRequest | undefined;
    let over = false;
    const finish = (err: Error): void => {
      if (over) return;
      over = true;
      req?.destroy();
      handlers.end(err);
    };
    this.authToken().then(
      (token) => {
        if (over) return;
        const index = this.preferred;
        const target = this.targets[index];
        if (target === undefined || this.closed) return finish(new Error('the etcd client is closed'));
        req = this.request(target, path, JSON.stringify(body), token, true, (res) => {
          if (res.statusCode !== 200) {
            readBody(res).then((text) => finish(serverError(res.statusCode ?? 0, text)), finish);
            return;
          }
          res.setEncoding('utf8');
          let pending = '';
          res.on('data', (chunk: string) => {
            pending += chunk;
            for (let nl = pending.indexOf('\n'); nl >= 0 && !over; nl = pending.indexOf('\n')) {
              const line = pending.slice(0, nl).trim();
              pending = pending.slice(nl + 1);
              if (line !== '') handlers.line(line);
            }
          });
          res.on('error', (err) => finish(err));
          res.on('close', () => finish(new Error(`${target.endpoint} closed the watch stream`)));
        }, (err) => {
          if (err instanceof EtcdTransportError) this.failed(index);
          finish(err);
        });
      },
      (err: unknown) => finish(err instanceof Error ? err : new Error(String(err))),
    );
    return {
      cancel: () => {
        over = true;
        req?.destroy();
      },
    };
  }

  /** Drops the auth token, so the next call or stream authenticates again (a watch learns of expiry only from a cancel). */
  forgetToken(): void {
    this.token = undefined;
  }

  /** Ends every connection; later calls fail. */
  close(): void {
    this.closed = true;
    for (const agent of this.agents) agent.destroy();
  }

  get endpoints(): readonly string[] {
    return this.targets.map((t) => t.endpoint);
  }

  private authToken(): Promise<string | undefined> {
    const auth = this.auth;
    if (auth === undefined) return Promise.resolve(undefined);
    if (this.token === undefined) {
      const pending = this.send<AuthenticateResponse>('/v3/auth/authenticate', { name: auth.username, password: auth.password }, undefined)
        .then((res) => {
          if (res.token === undefined || res.token === '') throw new EtcdServerError(GRPC.unauthenticated, 'etcd gave no auth token: is authentication enabled?');
          return res.token;
        });
      this.token = pending;
      // A failed authentication is not remembered: the next call tries again.
      pending.catch(() => {
        if (this.token === pending) this.token = undefined;
      });
    }
    return this.token;
  }

  private async send<T>(path: string, body: unknown, token: string | undefined): Promise<T> {
    const payload = JSON.stringify(body);
    const n = this.targets.length;
    const first = this.preferred;
    let last: unknown = new Error('no etcd endpoint');
    for (let i = 0; i < n; i++) {
      const index = (first + i) % n;
      const target = this.targets[index];
      if (target === undefined) continue;
      try {
        const text = await this.post(target, path, payload, token);
        return JSON.parse(text) as T;
      } catch (err) {
        last = err;
        if (err instanceof EtcdTransportError) {
          this.failed(index);
          if (err.unsent) continue;
        } else if (err instanceof EtcdServerError && err.grpcCode === GRPC.unavailable) {
          // This member has no leader or is shutting down; another may be fine.
          this.failed(index);
        }
        throw err;
      }
    }
    throw last;
  }

  /** Moves calls on from a member that failed, unless another call already did. */
  private failed(index: number): void {
    if (this.preferred === index) this.preferred = (index + 1) % this.targets.length;
  }

  private post(target: Target, path: string, payload: string, token: string | undefined): Promise<string> {
    return new Promise((resolve, reject) => {
      this.request(target, path, payload, token, false, (res) => {
        readBody(res).then(
          (text) => (res.statusCode === 200 ? resolve(text) : reject(serverError(res.statusCode ?? 0, text))),
          (err: unknown) => reject(new EtcdTransportError(target.endpoint, err instanceof Error ? err.message : String(err), false, false)),
        );
      }, reject);
    });
  }

  /**
   * Sends one POST. Errors reach `onError` as EtcdTransportError, knowing
   * whether the connection was ever up (if not, the request was not sent).
   * The deadline covers the whole answer of a call, and only the response
   * head of a stream, which then stays open as long as etcd keeps it.
   */
  private request(
    target: Target,
    path: string,
    payload: string,
    token: string | undefined,
    streaming: boolean,
    onResponse: (res: http.IncomingMessage) => void,
    onError: (err: Error) => void,
  ): http.ClientRequest {
    if (this.closed) throw new EtcdTransportError(target.endpoint, 'the etcd client is closed', true, true);
    let connected = false;
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      ...(token === undefined ? {} : { authorization: token }),
    };
    const req = target.module.request({ ...target.options, path, headers });
    const deadline = setTimeout(() => req.destroy(new Error(`no answer in ${this.callTimeoutMs} ms`)), this.callTimeoutMs);
    req.on('socket', (socket: Socket) => {
      if (!socket.connecting) connected = true;
      else socket.once(target.endpoint.startsWith('https:') ? 'secureConnect' : 'connect', () => (connected = true));
    });
    req.on('response', (res) => {
      if (streaming) clearTimeout(deadline);
      else res.once('close', () => clearTimeout(deadline));
      onResponse(res);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(deadline);
      onError(new EtcdTransportError(target.endpoint, err.message, !connected, isTlsRefusal(err)));
    });
    req.end(payload);
    return req;
  }
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('the connection closed mid-answer')));
  });
}
