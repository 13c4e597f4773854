// Generic validation problems in the words calicoctl prints for them, instead
// of zod's. Calico decodes a document into Go structs first, so a wrong type
// is Go's JSON error ("cannot unmarshal string into Go struct field
// IPPoolSpec.spec.disabled of type bool"); enums and ranges are checked against
// the CRD schema, in Kubernetes' words ("supported values: \"Allow\", \"Deny\"",
// "should be less than or equal to 255"). The field path travels separately
// (FieldError.path), so a message names only the problem.
import type { z } from 'zod';

/** zod's own English messages start so; anything else is a message a schema chose, and is kept. */
const ZOD_DEFAULT = /^(Invalid input|Invalid option|Invalid string|Too big|Too small)\b/;

/** The Go type a zod expectation stands for (kinds where Go names a type we cannot know). */
const GO_TYPES: Readonly<Record<string, string>> = {
  string: 'string',
  boolean: 'bool',
  number: 'float64',
  int: 'int',
  array: 'slice',
  object: 'struct',
  record: 'map[string]string',
};

/** How Go's JSON decoder names the value it could not store (UnmarshalTypeError.Value). */
function jsonKind(input: unknown, intoInt: boolean): string {
  if (typeof input === 'number') return intoInt ? `number ${String(input)}` : 'number';
  if (typeof input === 'boolean') return 'bool';
  if (typeof input === 'string') return 'string';
  if (input === null) return 'null';
  return Array.isArray(input) ? 'array' : 'object';
}

function quoted(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

function bound(issue: { readonly origin: string; readonly inclusive?: boolean }, limit: number | bigint, big: boolean): string | undefined {
  const n = String(limit);
  switch (issue.origin) {
    case 'number':
    case 'int':
    case 'bigint':
      return `should be ${big ? 'less' : 'greater'} than ${issue.inclusive === false ? '' : 'or equal to '}${n}`;
    case 'string':
      return `should be at ${big ? 'most' : 'least'} ${n} chars long`;
    case 'array':
    case 'set':
      return `should have at ${big ? 'most' : 'least'} ${n} items`;
    default:
      return undefined;
  }
}

/** Calicoctl's wording of a zod issue whose message zod chose; otherwise the schema's own message. */
export function calicoWording(issue: z.core.$ZodIssue): string {
  if (!ZOD_DEFAULT.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type': {
      const goType = GO_TYPES[issue.expected] ?? issue.expected;
      return `cannot unmarshal ${jsonKind(issue.input, issue.expected === 'int')} into Go value of type ${goType}`;
    }
    case 'invalid_value':
      return `supported values: ${quoted(issue.values)}`;
    case 'too_big':
      return bound(issue, issue.maximum, true) ?? issue.message;
    case 'too_small':
      return bound(issue, issue.minimum, false) ?? issue.message;
    case 'invalid_format':
      return issue.pattern !== undefined ? `should match '${issue.pattern}'` : issue.message;
    default:
      return issue.message;
  }
}
