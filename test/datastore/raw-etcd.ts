// Raw access to a plain-HTTP etcd through its JSON gateway, independent of the
// datastore under test: for tests that look at, plant or wipe keys themselves.
export interface RawKeyValue {
  readonly key: string;
  readonly value: string;
  readonly mod_revision: string;
}

async function post(endpoint: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${endpoint}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const answer = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(answer)}`);
  return answer;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: unknown): string => Buffer.from(typeof s === 'string' ? s : '', 'base64').toString();

/** The range_end of every key under `prefix` (the prefixes used here end in an ASCII character). */
function prefixEnd(prefix: string): string {
  return b64(prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1));
}

export class RawEtcd {
  constructor(private readonly endpoint: string) {}

  async get(key: string): Promise<RawKeyValue | undefined> {
    const res = await post(this.endpoint, '/v3/kv/range', { key: b64(key) });
    const kv = (res['kvs'] as Record<string, unknown>[] | undefined)?.[0];
    return kv === undefined ? undefined : { key, value: unb64(kv['value']), mod_revision: String(kv['mod_revision']) };
  }

  async put(key: string, value: string): Promise<void> {
    await post(this.endpoint, '/v3/kv/put', { key: b64(key), value: b64(value) });
  }

  async deletePrefix(prefix: string): Promise<void> {
    await post(this.endpoint, '/v3/kv/deleterange', { key: b64(prefix), range_end: prefixEnd(prefix) });
  }
}
