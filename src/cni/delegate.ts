// Delegated plugins (SPEC.md section 4) as libcni's invoke package runs them:
// the binary found on CNI_PATH, the same environment with the command
// replaced, the whole network configuration on stdin, its stderr passed
// through, and its error result turned back into ours.
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { spawnCollect } from '../exec/collect.js';
import { CniCode, CniError } from './errors.js';
import { delegateArgs } from './identity.js';

export function findPlugin(type: string, cniPath: string): string {
  if (type.includes('/')) throw new CniError(CniCode.invalidNetworkConfig, `invalid plugin type "${type}": must not contain "/"`);
  const dirs = cniPath.split(':').filter((d) => d !== '');
  for (const d of dirs) {
    const p = join(d, type);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // Not in this directory.
    }
  }
  throw new CniError(CniCode.invalidNetworkConfig, `failed to find plugin "${type}" in path [${dirs.join(' ')}]`);
}

export async function execPlugin(
  type: string,
  command: string,
  stdin: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<unknown> {
  const path = findPlugin(type, env['CNI_PATH'] ?? '');
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
  childEnv['CNI_COMMAND'] = command;
  childEnv['CNI_ARGS'] = delegateArgs(env['CNI_ARGS'] ?? '');
  const { code, stdout, stderr } = await spawnCollect([path], stdin, { env: childEnv, stderr: 'inherit' });
  // The plugin's stderr goes straight through, so anything here is why it could not be started.
  if (stderr !== '') throw new CniError(CniCode.ioFailure, `${type} ${command} failed: failed to run ${path}: ${stderr}`);
  let parsed: unknown;
  try {
    parsed = stdout.trim() === '' ? undefined : JSON.parse(stdout);
  } catch {
    throw new CniError(CniCode.decodingFailure, `${type} ${command}: output is not JSON: ${stdout.slice(0, 200)}`);
  }
  if (code !== 0) {
    const e = (parsed ?? {}) as { code?: unknown; msg?: unknown; details?: unknown };
    throw new CniError(
      typeof e.code === 'number' ? e.code : CniCode.internal,
      `${type} ${command} failed: ${typeof e.msg === 'string' ? e.msg : `exit code ${code}`}`,
      typeof e.details === 'string' ? e.details : '',
    );
  }
  return parsed;
}
