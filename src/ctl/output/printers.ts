// `get -o ps|wide|yaml|json|custom-columns=…`: calicoctl's resource printers.
// A table is printed per fetched object (the list of a kind, or each named
// resource), each followed by a blank line; YAML/JSON print the single
// fetched object bare, several as a sequence.
import type { StoredResource } from '../../datastore/types.js';
import { CtlError } from '../commands/errors.js';
import type { Fetched } from '../commands/execute.js';
import { tableSpec, type CellContext } from './columns.js';
import { resourceList, toJson, toYaml } from '../../api/encode.js';
import { tabwrite } from './gofmt.js';

export type Printer =
  | { readonly type: 'yaml' }
  | { readonly type: 'json' }
  | {
      readonly type: 'table';
      readonly wide: boolean;
      readonly printNamespace: boolean;
      /** custom-columns; the kind's default headings when undefined. */
      readonly headings?: readonly string[];
    };

/** calicoctl's buildResourcePrinter. */
export function buildPrinter(output: string, printNamespace: boolean): Printer {
  switch (output) {
    case 'yaml':
    case 'yml':
      return { type: 'yaml' };
    case 'json':
      return { type: 'json' };
    case 'ps':
      return { type: 'table', wide: false, printNamespace };
    case 'wide':
      return { type: 'table', wide: true, printNamespace };
  }
  const eq = output.indexOf('=');
  const key = eq < 0 ? output : output.slice(0, eq);
  const value = eq < 0 ? '' : output.slice(eq + 1);
  switch (key) {
    case 'custom-columns':
      if (value === '') throw new CtlError('other', 'need to specify at least one column');
      return { type: 'table', wide: false, printNamespace: false, headings: value.split(',') };
    case 'go-template':
    case 'go-template-file':
      throw new CtlError('other', `output format '${key}' is not supported by Calico-TS; use yaml, json, ps, wide or custom-columns`);
  }
  throw new CtlError('other', `unrecognized output format '${output}'`);
}

function asDocument(f: Fetched): unknown {
  return f.type === 'item' ? f.resource : resourceList(f.kind.kind, f.items, String(f.revision), f.kind.apiVersion);
}

function renderTable(f: Fetched, p: Extract<Printer, { type: 'table' }>, ctx: CellContext): string {
  const spec = tableSpec(f.kind.storeKind);
  let headings = [...(p.headings ?? (p.wide ? spec.wide : spec.headings))];
  if (p.printNamespace && spec.cells['NAMESPACE'] !== undefined) headings = ['NAMESPACE', ...headings];
  for (const h of headings) {
    if (spec.cells[h] === undefined) {
      const valid = Object.keys(spec.cells).sort().join(', ');
      throw new CtlError('other', `unknown heading ${h}, valid values are: ${valid}`);
    }
  }
  const items: readonly StoredResource[] = f.type === 'item' ? [f.resource] : f.items;
  const rows = [headings, ...items.map((r) => headings.map((h) => spec.cells[h]?.(r, ctx) ?? ''))];
  return tabwrite(rows);
}

/** The text `get` prints for what it fetched. */
export function render(fetched: readonly Fetched[], p: Printer, ctx: CellContext): string {
  // Nothing fetched marshals as Go's nil slice.
  if (fetched.length === 0 && p.type !== 'table') return p.type === 'json' ? 'null' : 'null\n';
  switch (p.type) {
    case 'yaml':
      return toYaml(fetched.length === 1 && fetched[0] !== undefined ? asDocument(fetched[0]) : fetched.map(asDocument));
    case 'json':
      return toJson(fetched.length === 1 && fetched[0] !== undefined ? asDocument(fetched[0]) : fetched.map(asDocument));
    case 'table':
      return fetched.map((f) => `${renderTable(f, p, ctx)}\n`).join('');
  }
}
