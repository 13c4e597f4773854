// Protocols and ports as Calico's numorstring package reads, checks and
// writes them back; shared by rules, endpoints and the Kubernetes converter.
import { z } from 'zod';
import type { Port, Protocol } from './policy-types.js';

// ---- protocols ----

export const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  TCP: 6,
  UDP: 17,
  ICMP: 1,
  ICMPv6: 58,
  SCTP: 132,
  UDPLite: 136,
};

/**
 * Protocol as Calico decodes it: a number, or a string; a string of digits
 * that fits in 0–255 is taken as that number. Names are case-sensitive here.
 */
export const protocolSchema: z.ZodType<Protocol> = z
  .union([z.number(), z.string()])
  .transform((p, ctx): Protocol => {
    let value: number | string = p;
    if (typeof p === 'string' && /^\d+$/.test(p) && Number(p) <= 255) value = Number(p);
    if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < 1 || value > 255) {
        ctx.addIssue({ code: 'custom', message: 'protocol number invalid' });
        return z.NEVER;
      }
      return value;
    }
    if (!Object.hasOwn(PROTOCOL_NUMBERS, value)) {
      ctx.addIssue({ code: 'custom', message: 'protocol name invalid' });
      return z.NEVER;
    }
    return value as Protocol;
  });

/** The IANA number of a protocol, or undefined for something that is not a protocol. */
export function protocolNumber(p: unknown): number | undefined {
  if (typeof p === 'number') return p;
  if (typeof p === 'string') return /^\d+$/.test(p) ? Number(p) : PROTOCOL_NUMBERS[p];
  return undefined;
}

/** Calico's SupportsPorts: TCP, UDP and SCTP (UDPLite does not). */
export function protocolSupportsPorts(p: unknown): boolean {
  // The backend's lower-case spellings count too, as in numorstring.SupportsPorts.
  if (p === 'tcp' || p === 'udp' || p === 'sctp') return true;
  const n = protocolNumber(p);
  return n === 6 || n === 17 || n === 132;
}

// ---- ports ----

export type ParsedPort =
  | { readonly kind: 'range'; readonly min: number; readonly max: number }
  | { readonly kind: 'named'; readonly name: string };

const PORT_NAME_SYNTAX = /^[a-zA-Z0-9_.-]{1,128}$/;

/** Kubernetes IsValidPortName, which Calico applies to named ports. */
export function portNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.startsWith('-') || name.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

/**
 * Parses a port string as numorstring.PortFromString does: `"80"`,
 * `"1000:2000"` or a name of 1–128 characters `[a-zA-Z0-9_.-]`. No range
 * checks beyond fitting in 16 bits: `"0"` parses.
 */
export function portFromString(s: string): ParsedPort | { readonly error: string } {
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    return n > 65535 ? { error: `invalid port format (${s})` } : { kind: 'range', min: n, max: n };
  }
  const m = /^(\d+):(\d+)$/.exec(s);
  if (m !== null) {
    const min = Number(m[1]);
    const max = Number(m[2]);
    if (min > 65535) return { error: `invalid minimum port number in range (${s})` };
    if (max > 65535) return { error: `invalid maximum port number in range (${s})` };
    if (min > max) return { error: `minimum port number (${min}) is greater than maximum port number (${max}) in port range` };
    return { kind: 'range', min, max };
  }
  if (!PORT_NAME_SYNTAX.test(s)) return { error: `invalid name for named port (${s})` };
  return { kind: 'named', name: s };
}

/**
 * Decodes and validates a port as Calico does (a number, `"80"`,
 * `"1000:2000"` or a name), returning every reason it is invalid instead
 * when it is.
 */
export function parsePort(p: number | string): ParsedPort | { readonly errors: readonly string[] } {
  const rangeMsg = 'port range invalid, port number must be between 1 and 65535';
  let parsed: ParsedPort;
  if (typeof p === 'number') {
    if (!Number.isInteger(p) || p < 0 || p > 65535) return { errors: [`invalid port format (${p})`] };
    parsed = { kind: 'range', min: p, max: p };
  } else {
    const r = portFromString(p);
    if ('error' in r) return { errors: [r.error] };
    parsed = r;
  }
  if (parsed.kind === 'range') return parsed.min < 1 ? { errors: [rangeMsg] } : parsed;
  const errs = portNameErrors(parsed.name);
  return errs.length > 0 ? { errors: errs.map((e) => `invalid port name: ${e}`) } : parsed;
}

/** How Calico writes a port back: a number for one port, `"a:b"` for a range, else the name. */
export function formatPort(p: ParsedPort): Port {
  if (p.kind === 'named') return p.name;
  return p.min === p.max ? p.min : `${p.min}:${p.max}`;
}

export const portSchema: z.ZodType<Port> = z.union([z.number(), z.string()]).transform((p, ctx): Port => {
  const parsed = parsePort(p);
  if ('errors' in parsed) {
    for (const message of parsed.errors) ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  }
  return formatPort(parsed);
});
