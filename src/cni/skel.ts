// The CNI execution protocol as libcni's skel implements it: the command and
// attachment from the environment, the configuration from stdin, version
// checks per command, and results or errors on stdout. Plugins supply one
// handler per command and never touch process I/O themselves.
import { CniCode, CniError, errorJson, toCniError } from './errors.js';

export const SUPPORTED_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type CniVersion = (typeof SUPPORTED_VERSIONS)[number];
export const LATEST_VERSION: CniVersion = '1.1.0';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'STATUS' | 'GC' | 'VERSION';

/** The attachment parameters of one invocation (SPEC.md section 2). */
export interface CmdArgs {
  readonly command: CniCommand;
  readonly containerId: string;
  readonly netns: string;
  readonly ifName: string;
  readonly args: string;
  readonly path: string;
  readonly stdin: string;
  /** The parsed configuration object (VERSION: `{}`). */
  readonly config: Readonly<Record<string, unknown>>;
  /** The configuration's cniVersion; a missing one reads as 0.2.0 as Calico reads it. */
  readonly cniVersion: CniVersion;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** What ADD and CHECK hand back: JSON to print, or nothing. */
export type Handler = (args: CmdArgs) => Promise<string | void>;

export interface Handlers {
  readonly add: Handler;
  readonly del: Handler;
  readonly check: Handler;
  readonly status: Handler;
  readonly gc: Handler;
}

/** Which variables each command requires (skel's reqForCmd table). */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  GC: ['CNI_PATH'],
  STATUS: ['CNI_PATH'],
  VERSION: [],
};

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The lowest version of the protocol that has each command. */
const COMMAND_SINCE: Readonly<Partial<Record<CniCommand, CniVersion>>> = { CHECK: '0.4.0', STATUS: '1.1.0', GC: '1.1.0' };

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function isSupported(v: string): v is CniVersion {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

function validateInterfaceName(name: string): void {
  const bad = (msg: string, details = ''): never => {
    throw new CniError(CniCode.invalidEnvironment, `CNI_IFNAME: ${msg}`, details);
  };
  if (name.length > 15) bad('interface name is too long', 'interface name should be less than 16 characters');
  if (name === '.' || name === '..') bad('interface name is . or ..');
  if (/[/:\s]/.test(name)) bad('interface name contains / or : or whitespace characters');
}

/** Reads and checks everything the protocol defines; throws CniError for the runtime. */
export function parseInvocation(env: Readonly<Record<string, string | undefined>>, stdin: string): CmdArgs {
  const raw = env['CNI_COMMAND'] ?? '';
  const missing = [...(raw === '' ? ['CNI_COMMAND'] : []), ...(REQUIRED[raw] ?? []).filter((v) => (env[v] ?? '') === '')];
  if (missing.length > 0) {
    throw new CniError(CniCode.invalidEnvironment, `required env variables [${missing.join(',')}] missing`);
  }
  if (!(raw in REQUIRED)) throw new CniError(CniCode.invalidEnvironment, `unknown CNI_COMMAND: ${raw}`);
  const command = raw as CniCommand;
  const containerId = env['CNI_CONTAINERID'] ?? '';
  if (REQUIRED[command]?.includes('CNI_CONTAINERID') && !NAME_RE.test(containerId)) {
    throw new CniError(CniCode.invalidEnvironment, 'invalid characters in containerID (CNI_CONTAINERID)', containerId);
  }
  const ifName = env['CNI_IFNAME'] ?? '';
  if (REQUIRED[command]?.includes('CNI_IFNAME')) validateInterfaceName(ifName);

  let config: Record<string, unknown> = {};
  let cniVersion: CniVersion = '0.2.0';
  if (command !== 'VERSION') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(stdin);
    } catch (err) {
      throw new CniError(CniCode.decodingFailure, `error unmarshalling network config from stdin: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new CniError(CniCode.decodingFailure, 'error unmarshalling network config from stdin: expected a JSON object');
    }
    config = parsed as Record<string, unknown>;
    const name = config['name'];
    if (typeof name !== 'string' || name === '') throw new CniError(CniCode.invalidNetworkConfig, 'missing network name');
    if (!NAME_RE.test(name)) throw new CniError(CniCode.invalidNetworkConfig, 'invalid characters found in network name', name);
    const v = config['cniVersion'];
    if (v !== undefined && typeof v !== 'string') throw new CniError(CniCode.decodingFailure, 'cniVersion must be a string');
    const version = v === undefined || v === '' ? '0.2.0' : v;
    if (!isSupported(version)) {
      throw new CniError(
        CniCode.incompatibleVersion,
        'incompatible CNI versions',
        `config is "${version}", plugin supports [${SUPPORTED_VERSIONS.map((s) => `"${s}"`).join(' ')}]`,
      );
    }
    const since = COMMAND_SINCE[command];
    if (since !== undefined && compareVersions(version, since) < 0) {
      throw new CniError(CniCode.incompatibleVersion, `config version does not allow ${command}`, `${command} needs cniVersion ${since} or later, config is "${version}"`);
    }
    cniVersion = version;
  }
  return { command, containerId, netns: env['CNI_NETNS'] ?? '', ifName, args: env['CNI_ARGS'] ?? '', path: env['CNI_PATH'] ?? '', stdin, config, cniVersion, env };
}

export interface Outcome {
  readonly stdout: string;
  readonly exitCode: number;
}

/** Runs one invocation to the text the runtime reads; never throws. */
export async function dispatch(handlers: Handlers, env: Readonly<Record<string, string | undefined>>, stdin: string): Promise<Outcome> {
  let version: string = LATEST_VERSION;
  try {
    const args = parseInvocation(env, stdin);
    version = args.cniVersion;
    if (args.command === 'VERSION') {
      let asked: string = LATEST_VERSION;
      try {
        const v = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
        if (typeof v === 'string' && v !== '') asked = v;
      } catch {
        // VERSION ignores a configuration it cannot read.
      }
      return { stdout: `${JSON.stringify({ cniVersion: asked, supportedVersions: SUPPORTED_VERSIONS })}\n`, exitCode: 0 };
    }
    const handler = { ADD: handlers.add, DEL: handlers.del, CHECK: handlers.check, STATUS: handlers.status, GC: handlers.gc }[args.command];
    const out = await handler(args);
    return { stdout: typeof out === 'string' ? `${out}\n` : '', exitCode: 0 };
  } catch (err) {
    return { stdout: `${errorJson(toCniError(err), version)}\n`, exitCode: 1 };
  }
}

/**
 * Entry point of a plugin binary: stdin, environment, stdout, exit code. The
 * process exits as soon as the result is written (stdout to a pipe is
 * synchronous on Linux) rather than waiting for handles to close.
 */
export async function pluginMain(handlers: Handlers, about: string): Promise<void> {
  if ((process.env['CNI_COMMAND'] ?? '') === '' && process.argv.includes('-v')) {
    process.stdout.write(`${about}\nCNI protocol versions supported: ${SUPPORTED_VERSIONS.join(', ')}\n`);
    return;
  }
  let stdin = '';
  try {
    stdin = await readStdin();
  } catch (err) {
    const e = new CniError(CniCode.ioFailure, `error reading from stdin: ${(err as Error).message}`);
    process.stdout.write(`${errorJson(e, LATEST_VERSION)}\n`);
    process.exit(1);
  }
  const { stdout, exitCode } = await dispatch(handlers, process.env, stdin);
  process.stdout.write(stdout);
  process.exit(exitCode);
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    if (process.stdin.isTTY) return resolve('');
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}
