// Selector parse and evaluation throughput over a Calico-like mix: policy
// selectors after namespace/service-account rewriting, evaluated against
// pod-like label sets (own labels plus inherited namespace/SA profile labels).
import { InheritedLabels, parseSelector, type ParsedSelector } from '../src/selector/index.js';
import { opsPerSecond, rng, round, type BenchModule } from './harness.js';

const SELECTORS = 2_000;
const LABEL_SETS = 500;

const apps = ['web', 'api', 'db', 'cache', 'queue', 'auth', 'search', 'billing'];
const tiers = ['frontend', 'backend', 'data'];
const namespaces = Array.from({ length: 20 }, (_, i) => `ns-${i}`);

function selectorMix(n: number, rand: () => number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const shapes: Array<() => string> = [
    () => `(app == '${pick(apps)}') && projectcalico.org/namespace == '${pick(namespaces)}'`,
    () => `(app in {'${pick(apps)}', '${pick(apps)}', '${pick(apps)}'} && tier == '${pick(tiers)}') && projectcalico.org/namespace == '${pick(namespaces)}'`,
    () => `has(app) && !has(debug) && projectcalico.org/orchestrator == 'k8s'`,
    () => `pcns.team == '${pick(['blue', 'red', 'green'])}' && has(projectcalico.org/namespace)`,
    () => `role not in {'test', 'dev'} || app starts with '${pick(apps).slice(0, 2)}'`,
    () => `(projectcalico.org/namespace == '${pick(namespaces)}') && ((pcsa.key == "v${Math.floor(rand() * 5)}") && (projectcalico.org/serviceaccount in {"sa1", "sa2"}))`,
    () => `!(env == 'prod' && tier ends with 'end') && version contains '1.'`,
    () => 'all()',
  ];
  return Array.from({ length: n }, () => pick(shapes)());
}

function labelSetMix(n: number, rand: () => number): Array<{ own: Record<string, string>; profiles: Record<string, string>[] }> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  return Array.from({ length: n }, () => {
    const ns = pick(namespaces);
    const own: Record<string, string> = {
      app: pick(apps),
      tier: pick(tiers),
      version: `1.${Math.floor(rand() * 10)}.0`,
      'pod-template-hash': Math.floor(rand() * 1e9).toString(36),
      'projectcalico.org/namespace': ns,
      'projectcalico.org/orchestrator': 'k8s',
      'projectcalico.org/serviceaccount': pick(['sa1', 'sa2', 'default']),
    };
    if (rand() < 0.3) own.env = pick(['prod', 'dev']);
    if (rand() < 0.1) own.debug = 'true';
    const nsProfile = { 'pcns.team': pick(['blue', 'red', 'green']), 'pcns.projectcalico.org/name': ns };
    const saProfile = { 'pcsa.key': `v${Math.floor(rand() * 5)}` };
    return { own, profiles: [nsProfile, saProfile] };
  });
}

/** Evaluations per second over the full selectors × label-sets product; best of `rounds`. */
function crossProductRate(count: number, evaluateAll: () => number, rounds = 5): { rate: number; matches: number } {
  let best = Infinity;
  let matches = 0;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    matches = evaluateAll();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.min(best, seconds);
  }
  return { rate: count / best, matches };
}

const bench: BenchModule = {
  async run(report) {
    const rand = rng(42);
    const texts = selectorMix(SELECTORS, rand);
    const sets = labelSetMix(LABEL_SETS, rand);
    const meanLength = texts.reduce((n, t) => n + t.length, 0) / texts.length;

    let i = 0;
    const parseRate = opsPerSecond(() => {
      parseSelector(texts[i++ % texts.length] as string);
    });
    report({ name: `parse (mix of ${SELECTORS} selectors, mean ${Math.round(meanLength)} chars)`, value: Math.round(parseRate), unit: 'parses/s' });

    i = 0;
    const idRate = opsPerSecond(() => {
      void parseSelector(texts[i++ % texts.length] as string).uniqueId;
    });
    report({ name: 'parse + canonical form + unique ID (SHA-224)', value: Math.round(idRate), unit: 'selectors/s' });

    const selectors: ParsedSelector[] = texts.map((t) => parseSelector(t));
    const merged = sets.map((s) => Object.assign({}, ...[...s.profiles].reverse(), s.own) as Record<string, string>);
    const evaluations = SELECTORS * LABEL_SETS;

    const records = crossProductRate(evaluations, () => {
      let m = 0;
      for (const sel of selectors) for (const labels of merged) if (sel.evaluate(labels)) m++;
      return m;
    });
    report({ name: `evaluate ${SELECTORS} selectors × ${LABEL_SETS} label records`, value: Math.round(records.rate), unit: 'evaluations/s' });
    report({ name: '  per evaluation', value: round(1e9 / records.rate, 1), unit: 'ns' });

    // The simplest shape, comparable with engineering-notes' naive-matching figure.
    const simple = texts.map((_, n) => parseSelector(`app == '${apps[n % apps.length] as string}'`));
    const simpleRate = crossProductRate(evaluations, () => {
      let m = 0;
      for (const sel of simple) for (const labels of merged) if (sel.evaluate(labels)) m++;
      return m;
    });
    report({ name: `evaluate ${SELECTORS} single "app == 'x'" selectors × ${LABEL_SETS} records`, value: round(1e9 / simpleRate.rate, 1), unit: 'ns per evaluation' });

    const sources = sets.map((s) => new InheritedLabels(s.own, s.profiles));
    const inherited = crossProductRate(evaluations, () => {
      let m = 0;
      for (const sel of selectors) for (const src of sources) if (sel.evaluateSource(src)) m++;
      return m;
    });
    if (inherited.matches !== records.matches) {
      throw new Error(`label-source evaluation disagrees: ${inherited.matches} vs ${records.matches} matches`);
    }
    report({ name: `evaluate against inherited labels (own + 2 profiles)`, value: Math.round(inherited.rate), unit: 'evaluations/s' });
    report({ name: '  per evaluation', value: round(1e9 / inherited.rate, 1), unit: 'ns' });
    report({ name: 'matches in the product', value: `${records.matches} of ${evaluations}`, unit: '' });
  },
};

export const { run } = bench;
