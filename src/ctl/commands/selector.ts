// `calicoctl selector parse|eval`: see how Calico reads a selector and whether
// it matches a label set, without a datastore.
import type { Command } from 'commander';
import { CalicoError, fieldError } from '../../api/errors.js';
import type { Labels } from '../../api/meta.js';
import { parseSelector, SelectorParseError, type ParsedSelector } from '../../selector/index.js';

/** Parses or throws a CalicoError whose message points at the fault. */
function parseOrExplain(text: string): ParsedSelector {
  try {
    return parseSelector(text);
  } catch (err) {
    if (!(err instanceof SelectorParseError)) throw err;
    // A caret under the offending character, when the input fits on one line.
    const pointer = /^[^\n\r]*$/.test(text) ? `\n  ${text}\n  ${' '.repeat(err.position)}^` : '';
    throw new CalicoError(
      'parse',
      `Error: invalid selector: ${err.message} (at character ${err.position})${pointer}`,
      [fieldError('parse', 'selector', err.message)],
    );
  }
}

/** Reads --labels: a JSON object whose values are all strings. */
export function parseLabelsJson(text: string): Labels {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new CalicoError('parse', `Error: --labels is not valid JSON: ${why}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CalicoError('parse', 'Error: --labels must be a JSON object of label names to string values');
  }
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new CalicoError('parse', `Error: --labels: the value of label "${key}" must be a string`);
    }
    labels[key] = v;
  }
  return labels;
}

export function registerSelectorCommands(program: Command): void {
  const selector = program.command('selector').description('Parse and evaluate Calico selectors');

  selector
    .command('parse')
    .description('Print the canonical form of a selector')
    .argument('<expression>', 'the selector, e.g. "app == \'web\' && has(tier)"')
    .option('--id', 'also print the unique ID Calico derives from the canonical form')
    .action((expression: string, opts: { id?: boolean }) => {
      const sel = parseOrExplain(expression);
      process.stdout.write(`${sel.canonical}\n`);
      if (opts.id === true) process.stdout.write(`${sel.uniqueId}\n`);
    });

  selector
    .command('eval')
    .description('Print whether a selector matches a label set (true or false)')
    .argument('<expression>', 'the selector')
    .requiredOption('--labels <json>', 'labels as a JSON object, e.g. \'{"app":"web"}\'')
    .action((expression: string, opts: { labels: string }) => {
      const sel = parseOrExplain(expression);
      const labels = parseLabelsJson(opts.labels);
      process.stdout.write(`${sel.evaluate(labels)}\n`);
    });
}
