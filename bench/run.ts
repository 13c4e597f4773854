// `npm run bench [name…]`: runs every bench/<name>.bench.ts (or the named
// ones) one after another and prints each figure with the machine and date, in
// the form BENCHMARKS.md records.
import { readdirSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import type { BenchModule } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.ts$/, '')))
  .sort();

const machine = `${availableParallelism()} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
console.log(`# npm run bench ${wanted.join(' ')}`.trimEnd());
console.log(`# machine: ${machine}`);
console.log(`# date: ${new Date().toISOString()}`);
let failed = false;
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as BenchModule;
  console.log(`\n## ${file.replace(/\.bench\.ts$/, '')}`);
  try {
    await mod.run((r) => console.log(`${r.name}: ${r.value} ${r.unit}`));
  } catch (err) {
    failed = true;
    console.error(`benchmark ${file} failed: ${err instanceof Error ? err.stack : String(err)}`);
  }
}
process.exit(failed ? 1 : 0);
