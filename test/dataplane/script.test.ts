// Diffing desired against kernel state into one nft script, reading our table
// back, and the apply/resync cycle against a scripted shell.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffFamily, emptyStats } from '../../src/dataplane/script.js';
import { parseTableJson } from '../../src/dataplane/readback.js';
import { desiredChain, emptyKernel, type DesiredFamily, type KernelFamily } from '../../src/dataplane/state.js';
import { NftablesDataplane } from '../../src/dataplane/nftables-dataplane.js';
import type { ExecResult, Shell } from '../../src/dataplane/shell.js';

const chainA = desiredChain([{ body: 'counter accept', comment: 'x' }, { body: 'counter drop' }]);

function desired(over: Partial<DesiredFamily> = {}): DesiredFamily {
  return { family: 'ip', chains: new Map([['filter-cali-pi-a', chainA]]), sets: new Map([['cali40s-x', { type: 'net', interval: true, elements: new Set(['10.0.0.1']) }]]), maps: new Map(), ...over };
}

function kernelOf(d: DesiredFamily): KernelFamily {
  return {
    tableExists: true,
    chains: new Map([...d.chains].map(([n, c]) => [n, { hash: c.hash, ruleCount: c.rules.length, base: false }])),
    sets: new Map([...d.sets].map(([n, s]) => [n, new Set(s.elements)])),
    maps: new Map([...d.maps].map(([n, m]) => [n, new Map(m)])),
  };
}

describe('diffFamily', () => {
  it('creates table, sets, chains and rules from nothing, hash in the first comment', () => {
    assert.deepEqual(diffFamily(desired(), emptyKernel(), {}, emptyStats()), [
      'add table ip calico',
      'add set ip calico cali40s-x { type ipv4_addr; flags interval; }',
      'add element ip calico cali40s-x { 10.0.0.1 }',
      'add chain ip calico filter-cali-pi-a',
      `add rule ip calico filter-cali-pi-a counter accept comment "H=${chainA.hash};N=2 x"`,
      'add rule ip calico filter-cali-pi-a counter drop',
    ]);
  });

  it('writes nothing when the kernel matches', () => {
    assert.deepEqual(diffFamily(desired(), kernelOf(desired()), {}, emptyStats()), []);
  });

  it('turns a membership change into element deletes before adds', () => {
    const d = desired({ sets: new Map([['cali40s-x', { type: 'net', interval: true, elements: new Set(['10.0.0.0/8']) }]]) });
    assert.deepEqual(diffFamily(d, kernelOf(desired()), {}, emptyStats()), [
      'delete element ip calico cali40s-x { 10.0.0.1 }',
      'add element ip calico cali40s-x { 10.0.0.0/8 }',
    ]);
  });

  it('rewrites a chain whose hash or rule count differs by flushing it in the same transaction', () => {
    const k = kernelOf(desired());
    (k.chains as Map<string, { hash: string | null; ruleCount: number; base: boolean }>).set('filter-cali-pi-a', { hash: chainA.hash, ruleCount: 1, base: false });
    const lines = diffFamily(desired(), k, {}, emptyStats());
    assert.deepEqual(lines.slice(0, 2), ['flush chain ip calico filter-cali-pi-a', `add rule ip calico filter-cali-pi-a counter accept comment "H=${chainA.hash};N=2 x"`]);
  });

  it('removes what is no longer wanted: chains flushed before any is deleted, sets last', () => {
    const k = kernelOf(desired());
    const lines = diffFamily(desired({ chains: new Map(), sets: new Map() }), k, {}, emptyStats());
    assert.deepEqual(lines, ['flush chain ip calico filter-cali-pi-a', 'delete chain ip calico filter-cali-pi-a', 'delete set ip calico cali40s-x']);
  });

  it('compares only the names in scope', () => {
    const d = desired({ sets: new Map([['cali40s-x', { type: 'net', interval: true, elements: new Set(['10.9.9.9']) }]]) });
    assert.deepEqual(diffFamily(d, kernelOf(desired()), { chains: new Set(), sets: new Set(), maps: new Set() }, emptyStats()), []);
  });

  it('changes a verdict-map entry by deleting and re-adding it', () => {
    const want = desired({ maps: new Map([['m', new Map([['cali1', 'goto filter-cali-tw-cali1']])]]) });
    const k = kernelOf(desired({ maps: new Map([['m', new Map([['cali1', 'goto old'], ['cali2', 'goto x']])]]) }));
    assert.deepEqual(diffFamily(want, k, {}, emptyStats()).filter((l) => l.includes(' m ')), [
      'delete element ip calico m { "cali1", "cali2" }',
      'add element ip calico m { "cali1" : goto filter-cali-tw-cali1 }',
    ]);
  });
});

describe('parseTableJson', () => {
  const json = JSON.stringify({ nftables: [
    { metainfo: { version: '1.0.6' } },
    { table: { family: 'ip', name: 'calico' } },
    { set: { name: 'cali40s-x', elem: [{ prefix: { addr: '10.0.0.0', len: 8 } }, '192.168.1.1'] } },
    { set: { name: 'cali40n-y', elem: [{ concat: ['10.0.0.1', 'tcp', 80] }] } },
    { map: { name: 'm', elem: [['cali1', { goto: { target: 'filter-cali-tw-cali1' } }]] } },
    { chain: { name: 'a' } },
    { chain: { name: 'b', hook: 'forward' } },
    { chain: { name: 'c' } },
    { rule: { chain: 'a', comment: 'H=abc;N=2 first' } },
    { rule: { chain: 'a' } },
    { rule: { chain: 'c', comment: 'H=abc;N=5' } },
  ] });
  const k = parseTableJson(json);

  it('reads set elements in the rendered text form', () => {
    assert.deepEqual([...(k.sets.get('cali40s-x') ?? [])], ['10.0.0.0/8', '192.168.1.1']);
    assert.deepEqual([...(k.sets.get('cali40n-y') ?? [])], ['10.0.0.1 . tcp . 80']);
  });

  it('reads verdict map entries', () => {
    assert.equal(k.maps.get('m')?.get('cali1'), 'goto filter-cali-tw-cali1');
  });

  it('takes a chain hash only when its rule count agrees', () => {
    assert.deepEqual(k.chains.get('a'), { hash: 'abc', ruleCount: 2, base: false });
    assert.deepEqual(k.chains.get('c'), { hash: null, ruleCount: 1, base: false });
    assert.deepEqual(k.chains.get('b'), { hash: null, ruleCount: 0, base: true });
  });

  it('reports a missing table as empty', () => {
    assert.equal(parseTableJson(null).tableExists, false);
  });
});

class ScriptedShell implements Shell {
  readonly calls: string[][] = [];
  constructor(private readonly answer: (argv: readonly string[]) => ExecResult) {}
  exec(argv: readonly string[]): Promise<ExecResult> {
    this.calls.push([...argv]);
    return Promise.resolve(this.answer(argv));
  }
}

const noTable: ExecResult = { code: 1, stdout: '', stderr: 'Error: No such file or directory' };
const okResult: ExecResult = { code: 0, stdout: '', stderr: '' };

describe('NftablesDataplane apply cycle', () => {
  it('runs no command before in-sync', async () => {
    const shell = new ScriptedShell(() => okResult);
    const dp = new NftablesDataplane({ shell, families: [4] });
    dp.onUpdate({ type: 'config-update', config: {} });
    assert.equal((await dp.apply()).skipped, true);
    assert.equal(shell.calls.length, 0);
  });

  it('reads back once, then applies from what it wrote', async () => {
    const shell = new ScriptedShell((argv) => (argv.includes('list') ? noTable : okResult));
    const dp = new NftablesDataplane({ shell, families: [4] });
    dp.onUpdate({ type: 'in-sync', revision: 1 });
    await dp.apply();
    dp.onUpdate({ type: 'ipset-update', id: 's:a' as never, setType: 'net', members: ['10.0.0.1/32'] });
    const s = await dp.apply();
    assert.deepEqual({ readBack: s.readBack, commands: s.commands }, { readBack: false, commands: 2 });
    assert.deepEqual(shell.calls.map((c) => c.slice(0, 3).join(' ')), ['nft -j list', 'nft -f -', 'nft -f -']);
  });

  it('after a failed transaction reads the kernel back before the next one', async () => {
    let fail = true;
    const shell = new ScriptedShell((argv) => (argv.includes('list') ? noTable : fail ? { code: 1, stdout: '', stderr: 'boom' } : okResult));
    const dp = new NftablesDataplane({ shell, families: [4] });
    dp.onUpdate({ type: 'in-sync', revision: 1 });
    await assert.rejects(dp.apply(), /nft transaction failed.*boom/);
    fail = false;
    const s = await dp.apply();
    assert.equal(s.readBack, true);
    assert.ok(s.chainsWritten > 0);
  });
});
