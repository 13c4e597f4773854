// Kept in its own module so the tokenizer and parser can throw it without an
// import cycle through index.ts, which re-exports it.

export class SelectorParseError extends Error {
  /** 0-based character offset in the input where the problem was found. */
  readonly position: number;
  constructor(message: string, position: number) {
    super(message);
    this.name = 'SelectorParseError';
    this.position = position;
  }
}
