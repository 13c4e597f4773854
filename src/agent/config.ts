// calico-node's own settings, read the way Felix reads its environment
// (FELIX_<PARAM>, case-insensitive parameter names), with command-line flags
// on top. The datastore location is not here: it comes from the datastore
// loader (DATASTORE_TYPE, DATASTORE_PATH, ETCD_*, or --config FILE).
import { hostname as osHostname } from 'node:os';
import { CalicoError, fieldError, type FieldError } from '../api/errors.js';
import type { IpFamily } from '../api/net.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface AgentConfig {
  /** This node's name: endpoints whose spec.node equals it are programmed here. */
  readonly hostname: string;
  /** Network namespace to program by name (`ip netns exec`); undefined = the one the agent runs in. */
  readonly netns?: string;
  readonly families: readonly IpFamily[];
  readonly healthEnabled: boolean;
  readonly healthHost: string;
  /** 0 = any free port (tests). */
  readonly healthPort: number;
  readonly metricsEnabled: boolean;
  readonly metricsHost: string;
  readonly metricsPort: number;
  /** Where the status JSON is also written after every change of it; undefined = not written. */
  readonly statusFile?: string;
  /**
   * Full dataplane read-back and repair (Felix NftablesRefreshInterval /
   * IptablesRefreshInterval), ms; 0 = never. Undefined when the environment
   * does not set it: FelixConfiguration decides, else 90 s.
   */
  readonly refreshIntervalMs?: number;
  /** Least time between two dataplane applies while changes keep coming, ms. */
  readonly applyIntervalMs: number;
  /** How often an idle agent reads the datastore revision to advance its programmed revision, ms. */
  readonly revisionProbeMs: number;
  /** Hear of interface changes from `ip monitor` (true) or poll for the interfaces of pending routes (false). */
  readonly linkMonitor: boolean;
  /** With the link monitor, the safety-net look while routes wait for interfaces (FELIX_INTERFACEREFRESHINTERVAL), ms; 0 = none; undefined = 10 s. */
  readonly interfaceRefreshMs?: number;
  readonly logLevel: LogLevel;
}

export const DEFAULT_HEALTH_PORT = 9099;
export const DEFAULT_METRICS_PORT = 9091;

export interface CliOptions {
  readonly hostname?: string;
  readonly netns?: string;
  readonly statusFile?: string;
  readonly healthPort?: string;
  readonly metricsPort?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Felix matches FELIX_ parameter names case-insensitively. */
function felixEnv(env: Env, ...names: string[]): string | undefined {
  const wanted = new Set(names.map((n) => `FELIX_${n}`.toUpperCase()));
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && v !== '' && wanted.has(k.toUpperCase())) return v;
  }
  return undefined;
}

function bool(text: string | undefined, dflt: boolean): boolean {
  if (text === undefined) return dflt;
  return /^(true|1|yes|on)$/i.test(text.trim());
}

const LEVELS: Readonly<Record<string, LogLevel>> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warning: 'warn',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
  panic: 'fatal',
  none: 'silent',
  silent: 'silent',
};

/**
 * Reads the configuration; every malformed value is reported at once, as
 * field errors naming the variable or flag.
 */
export function loadAgentConfig(cli: CliOptions, env: Env = process.env): AgentConfig {
  const errors: FieldError[] = [];
  const int = (field: string, text: string | undefined, dflt: number, min: number, max: number): number => {
    if (text === undefined) return dflt;
    const n = Number(text.trim());
    if (!Number.isInteger(n) || n < min || n > max) {
      errors.push(fieldError('invalid-value', field, `must be an integer from ${min} to ${max}, got "${text}"`));
      return dflt;
    }
    return n;
  };
  // Felix durations are seconds, fractions allowed.
  const seconds = (field: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text.trim().replace(/s$/, ''));
    if (!Number.isFinite(n) || n < 0) {
      errors.push(fieldError('invalid-value', field, `must be a number of seconds, got "${text}"`));
      return undefined;
    }
    return Math.round(n * 1000);
  };

  const hostname = cli.hostname ?? felixEnv(env, 'FelixHostname') ?? env.NODENAME ?? env.HOSTNAME ?? osHostname();
  if (hostname.trim() === '') errors.push(fieldError('required', '--hostname', 'a node name is required'));
  const levelText = (env.LOG_LEVEL ?? felixEnv(env, 'LogSeverityScreen') ?? 'info').toLowerCase();
  const logLevel = LEVELS[levelText];
  if (logLevel === undefined) errors.push(fieldError('invalid-value', 'LOG_LEVEL', `unknown log level "${levelText}"`));
  const ipv6 = bool(felixEnv(env, 'IPv6Support'), true);

  const healthPortText = cli.healthPort ?? felixEnv(env, 'HealthPort');
  const metricsPortText = cli.metricsPort ?? felixEnv(env, 'PrometheusMetricsPort');
  const statusFile = cli.statusFile ?? env.CALICO_NODE_STATUS_FILE;
  const interfaceRefreshMs = seconds('FELIX_INTERFACEREFRESHINTERVAL', felixEnv(env, 'InterfaceRefreshInterval'));
  const refreshIntervalMs = seconds('FELIX_NFTABLESREFRESHINTERVAL', felixEnv(env, 'NftablesRefreshInterval', 'IptablesRefreshInterval'));
  const config: AgentConfig = {
    hostname: hostname.trim(),
    ...(cli.netns === undefined || cli.netns === '' ? {} : { netns: cli.netns }),
    families: ipv6 ? [4, 6] : [4],
    healthEnabled: bool(felixEnv(env, 'HealthEnabled'), true),
    healthHost: felixEnv(env, 'HealthHost') ?? '127.0.0.1',
    healthPort: int(cli.healthPort === undefined ? 'FELIX_HEALTHPORT' : '--health-port', healthPortText, DEFAULT_HEALTH_PORT, 0, 65535),
    metricsEnabled: bool(felixEnv(env, 'PrometheusMetricsEnabled'), true),
    metricsHost: felixEnv(env, 'PrometheusMetricsHost') ?? '127.0.0.1',
    metricsPort: int(cli.metricsPort === undefined ? 'FELIX_PROMETHEUSMETRICSPORT' : '--metrics-port', metricsPortText, DEFAULT_METRICS_PORT, 0, 65535),
    ...(statusFile === undefined || statusFile === '' ? {} : { statusFile }),
    ...(refreshIntervalMs === undefined ? {} : { refreshIntervalMs }),
    applyIntervalMs: int('CALICO_NODE_APPLY_INTERVAL_MS', env.CALICO_NODE_APPLY_INTERVAL_MS, 10, 0, 60_000),
    revisionProbeMs: int('CALICO_NODE_REVISION_PROBE_MS', env.CALICO_NODE_REVISION_PROBE_MS, 200, 10, 600_000),
    linkMonitor: bool(env.CALICO_NODE_LINK_MONITOR, true),
    ...(interfaceRefreshMs === undefined ? {} : { interfaceRefreshMs }),
    logLevel: logLevel ?? 'info',
  };
  if (errors.length > 0) throw CalicoError.fromFieldErrors('invalid calico-node configuration', errors);
  return config;
}
