// etcd v3's API as its gRPC gateway speaks it in JSON (etcd 3.4+, `/v3/...`):
// the protobuf messages in proto3's JSON mapping, so int64 fields are decimal
// strings, bytes are base64 and fields at their zero value are left out (an
// absent `kvs` is an empty list, an absent `succeeded` is false, an absent
// event `type` is PUT). Only the fields Calico-TS reads or sends are typed.

export interface ResponseHeader {
  readonly revision?: string;
}

export interface KeyValue {
  readonly key: string;
  readonly value?: string;
  readonly create_revision?: string;
  readonly mod_revision?: string;
  readonly version?: string;
}

export interface RangeRequest {
  readonly key: string;
  readonly range_end?: string;
}

export interface RangeResponse {
  readonly header?: ResponseHeader;
  readonly kvs?: readonly KeyValue[];
}

export interface PutRequest {
  readonly key: string;
  readonly value: string;
}

export interface DeleteRangeRequest {
  readonly key: string;
}

export type Compare =
  | { readonly target: 'CREATE'; readonly key: string; readonly result: 'EQUAL'; readonly create_revision: string }
  | { readonly target: 'MOD'; readonly key: string; readonly result: 'EQUAL'; readonly mod_revision: string };

export type RequestOp =
  | { readonly request_range: RangeRequest }
  | { readonly request_put: PutRequest }
  | { readonly request_delete_range: DeleteRangeRequest };

export interface TxnRequest {
  readonly compare: readonly Compare[];
  readonly success: readonly RequestOp[];
  readonly failure?: readonly RequestOp[];
}

export interface ResponseOp {
  readonly response_range?: RangeResponse;
}

export interface TxnResponse {
  readonly header?: ResponseHeader;
  readonly succeeded?: boolean;
  readonly responses?: readonly ResponseOp[];
}

export interface WatchCreateRequest {
  readonly key: string;
  readonly range_end?: string;
  readonly start_revision: string;
  readonly prev_kv: boolean;
}

export interface WireEvent {
  readonly type?: 'PUT' | 'DELETE';
  readonly kv: KeyValue;
  readonly prev_kv?: KeyValue;
}

export interface WatchResponse {
  readonly header?: ResponseHeader;
  readonly created?: boolean;
  readonly canceled?: boolean;
  readonly compact_revision?: string;
  readonly cancel_reason?: string;
  readonly events?: readonly WireEvent[];
}

/** One line of the gateway's watch stream: a response, or the stream's own failure. */
export type WatchLine = { readonly result?: WatchResponse; readonly error?: { readonly message?: string } };

export interface AuthenticateResponse {
  readonly token?: string;
}

export function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

export function unb64(s: string | undefined): string {
  return s === undefined ? '' : Buffer.from(s, 'base64').toString('utf8');
}

/** An int64 field: absent means zero. */
export function int(s: string | undefined): number {
  return s === undefined ? 0 : Number(s);
}

/**
 * The range_end that selects every key starting with `prefix` (etcd's
 * GetPrefixRangeEnd): the prefix with its last byte incremented, or "\0" (every
 * key) for the empty prefix. UTF-8 never holds a 0xff byte, so there is no
 * carry to propagate.
 */
export function prefixRangeEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  const last = bytes.length - 1;
  if (last < 0) return Buffer.from([0]).toString('base64');
  bytes[last] = (bytes[last] ?? 0) + 1;
  return bytes.toString('base64');
}

/** gRPC status codes the gateway reports in `code`. */
export const GRPC = {
  deadlineExceeded: 4,
  resourceExhausted: 8,
  unavailable: 14,
  unauthenticated: 16,
} as const;

/** An error etcd answered with (the gateway's `{"error", "code", "message"}` body). */
export class EtcdServerError extends Error {
  constructor(
    readonly grpcCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'EtcdServerError';
  }

  /** No leader, leader changed, request timed out, too many requests: worth another try. */
  get transient(): boolean {
    return this.grpcCode === GRPC.unavailable || this.grpcCode === GRPC.deadlineExceeded || this.grpcCode === GRPC.resourceExhausted;
  }

  /** The auth token expired or the member restarted and forgot it. */
  get invalidToken(): boolean {
    return this.grpcCode === GRPC.unauthenticated && this.message.includes('invalid auth token');
  }
}

/** Parses the body of a non-200 gateway answer. */
export function serverError(status: number, body: string): EtcdServerError {
  try {
    const e = JSON.parse(body) as { code?: unknown; message?: unknown; error?: unknown };
    const message = typeof e.message === 'string' ? e.message : typeof e.error === 'string' ? e.error : body;
    return new EtcdServerError(typeof e.code === 'number' ? e.code : 2, message);
  } catch {
    // Not the gateway speaking (a proxy, or not etcd at all).
    return new EtcdServerError(status >= 500 ? GRPC.unavailable : 2, `HTTP ${status}: ${body.slice(0, 200).trim()}`);
  }
}
