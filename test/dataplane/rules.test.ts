// Rule rendering: one ParsedRule → nft rule bodies, one behaviour per case.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderRule } from '../../src/dataplane/rules.js';
import { cases, v4 } from './rule-cases.js';

describe('renderRule', () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(renderRule(c.rule, c.ctx ?? v4).map((r) => r.body), c.want);
    });
  }
});
