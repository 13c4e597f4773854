// Parsing is the expensive part of a selector; the same rule selectors recur
// across many policies, so parsed ones are shared. Bounded: cleared wholesale
// when it grows past its limit, which only costs re-parsing.
import { parseSelector, type ParsedSelector } from '../selector/index.js';

export const ALL_SELECTOR_TEXT = 'all()';
const LIMIT = 20_000;
const cache = new Map<string, ParsedSelector | undefined>();

/** The parsed selector, or undefined when the text does not parse. */
export function cachedSelector(text: string): ParsedSelector | undefined {
  if (cache.has(text)) return cache.get(text);
  if (cache.size >= LIMIT) cache.clear();
  let parsed: ParsedSelector | undefined;
  try {
    parsed = parseSelector(text);
  } catch {
    parsed = undefined;
  }
  cache.set(text, parsed);
  return parsed;
}
