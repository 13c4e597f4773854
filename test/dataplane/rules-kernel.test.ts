// Every rendered rule of the rule table is valid nft: all of them load, in
// one transaction, into a table of a throwaway namespace.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsLab } from '../helpers/netns.js';
import { renderRule } from '../../src/dataplane/rules.js';
import { nftSetType } from '../../src/dataplane/ipsets.js';
import { cases, v4 } from './rule-cases.js';

describe('rendered rules load into the kernel', () => {
  const lab = new NetnsLab('dprules');
  let ns = '';
  before(async () => {
    ns = await lab.netns('k');
  });
  after(() => lab.cleanup());

  it('every case of the rule table is accepted by nft', async () => {
    const lines: string[] = [];
    for (const family of [4, 6] as const) {
      const f = family === 4 ? 'ip' : 'ip6';
      lines.push(`add table ${f} t`, `add chain ${f} t c`);
      for (const n of ['s-aaa', 's-bbb', 's-ccc', 's-d']) lines.push(`add set ${f} t cali${family}0${n} { type ${nftSetType('net', family)}; }`);
      for (const n of ['n-http', 'n-dns', 'n-p', 'svc-web']) lines.push(`add set ${f} t cali${family}0${n} { type ${nftSetType('ip-and-port', family)}; }`);
    }
    let count = 0;
    for (const c of cases) {
      const ctx = c.ctx ?? v4;
      for (const r of renderRule(c.rule, ctx)) {
        lines.push(`add rule ${ctx.family === 4 ? 'ip' : 'ip6'} t c ${r.body}`);
        count++;
      }
    }
    const r = await lab.exec(ns, ['nft', '-f', '-'], lines.join('\n') + '\n');
    assert.equal(r.stderr, '');
    const listed = await lab.must(ns, ['nft', '-a', 'list', 'chain', 'ip', 't', 'c']);
    const listed6 = await lab.must(ns, ['nft', '-a', 'list', 'chain', 'ip6', 't', 'c']);
    assert.equal((listed + listed6).split('\n').filter((l) => l.includes('# handle') && !l.includes('chain ')).length, count);
  });
});
