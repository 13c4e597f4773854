// Building blocks for validating resources with zod: every problem of a
// document becomes a FieldError naming its path, unknown fields included.
import { z } from 'zod';
import { fieldError, joinPath, type FieldError, type Result } from './errors.js';
import { calicoWording } from './issue-wording.js';
import { isIp, parseCidr } from './net.js';
import { parseSelector, SelectorParseError } from '../selector/index.js';

/** Renders a zod issue path the way our errors name fields: `spec.ingress[0].action`. */
export function issuePath(base: string, path: readonly PropertyKey[]): string {
  let out = base;
  for (const seg of path) out = joinPath(out, typeof seg === 'number' ? seg : String(seg));
  return out;
}

/** Converts zod's issues into FieldErrors; an unknown key becomes one error per key. */
export function zodIssuesToFieldErrors(issues: readonly z.core.$ZodIssue[], base = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    const path = issuePath(base, issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push(fieldError('unknown-field', joinPath(path, key), `unknown field "${key}"`));
    } else if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.input === undefined) {
      out.push(fieldError('required', path, 'required field is missing'));
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // Report the branch that got furthest rather than a bare "invalid input".
      const best = [...issue.errors].sort((a, b) => b.length - a.length)[0] ?? [];
      const nested = zodIssuesToFieldErrors(best, '');
      if (nested.length === 0) out.push(fieldError('invalid-value', path, issue.message));
      else for (const e of nested) out.push({ ...e, path: e.path === '' ? path : issuePath(path, [e.path]) });
    } else {
      out.push(fieldError('invalid-value', path, calicoWording(issue)));
    }
  }
  return out;
}

/** Runs a zod schema and returns our Result type. */
export function validateWith<T>(schema: z.ZodType<T>, doc: unknown, base = ''): Result<T> {
  // Without reportInput zod leaves `input` off its issues, and every type
  // mismatch would read as a missing field. jitless: zod would otherwise
  // generate and compile a parser for each object schema on its first use,
  // which costs more than it saves now that the documents read in bulk take
  // the kinds' fast paths (fast-path.ts) and only the odd one comes here.
  const r = schema.safeParse(doc, { reportInput: true, jitless: true });
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, errors: zodIssuesToFieldErrors(r.error.issues, base) };
}

// ---- common field schemas ----

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

export function isDns1123Subdomain(s: string): boolean {
  return s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}

export const dns1123Subdomain = z
  .string()
  .refine(isDns1123Subdomain, { message: 'must be a lowercase RFC 1123 subdomain (a-z, 0-9, "-" and ".", at most 253 characters)' });

export const dns1123Label = z
  .string()
  .refine(isDns1123Label, { message: 'must be a lowercase RFC 1123 label (a-z, 0-9 and "-", at most 63 characters)' });

/** A selector expression that parses; the parse error says where and what. */
export const selectorString = z.string().superRefine((s, ctx) => {
  try {
    parseSelector(s);
  } catch (err) {
    const msg = err instanceof SelectorParseError ? err.message : String(err);
    ctx.addIssue({ code: 'custom', message: `invalid selector: ${msg}` });
  }
});

/** A CIDR, or a bare IP taken as a single-host CIDR (Calico's "cidr" validator). */
export const cidrOrIp = z
  .string()
  .refine((s) => parseCidr(s) !== null, { message: 'must be a CIDR or an IP address' });

export const ipAddress = z.string().refine(isIp, { message: 'must be an IP address' });

/** A list whose elements must be unique (a "set" in Calico's validation). */
export function uniqueList<T extends z.ZodType>(item: T) {
  return z.array(item).superRefine((xs, ctx) => {
    const seen = new Set<string>();
    xs.forEach((x, i) => {
      const key = JSON.stringify(x);
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate value ${key}` });
      seen.add(key);
    });
  });
}
