// What an IP set stands for, and its ID as Felix computes it (rule_scanner.go
// IPSetData.UniqueID, policy.md §5.2 step 4 and §6.2).
import { createHash } from 'node:crypto';
import type { ParsedSelector } from '../selector/index.js';
import type { NamedPortProtocol } from './model.js';
import type { IpSetId, IpSetType } from './types.js';

export type IpSetData =
  /** Addresses of everything the selector matches; with a named port, `ip,proto:port` pairs. */
  | {
      readonly kind: 'selector';
      readonly id: IpSetId;
      readonly selector: ParsedSelector;
      readonly namedPort?: { readonly name: string; readonly protocol: NamedPortProtocol };
    }
  /** A Kubernetes Service's endpoints (with ports, or addresses only). */
  | { readonly kind: 'service'; readonly id: IpSetId; readonly service: string; readonly includePorts: boolean };

/** hash.MakeUniqueID: `<prefix>:` + base64url(SHA-224(`<prefix>:<content>`)). */
export function makeUniqueId(prefix: string, content: string): IpSetId {
  return `${prefix}:${createHash('sha224').update(`${prefix}:${content}`, 'utf8').digest('base64url')}` as IpSetId;
}

export function selectorIpSet(selector: ParsedSelector): IpSetData {
  return { kind: 'selector', id: selector.uniqueId as IpSetId, selector };
}

export function namedPortIpSet(selector: ParsedSelector, name: string, protocol: NamedPortProtocol): IpSetData {
  const id = makeUniqueId('n', `${selector.uniqueId},${protocol},${name}`);
  return { kind: 'selector', id, selector, namedPort: { name, protocol } };
}

export function serviceIpSet(service: string, includePorts: boolean): IpSetData {
  return { kind: 'service', id: makeUniqueId(includePorts ? 'svc' : 'svcnoport', service), service, includePorts };
}

export function ipSetType(d: IpSetData): IpSetType {
  if (d.kind === 'service') return d.includePorts ? 'ip-and-port' : 'net';
  return d.namedPort === undefined ? 'net' : 'ip-and-port';
}
