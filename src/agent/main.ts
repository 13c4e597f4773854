// calico-node: the per-host agent (what Felix is to Calico).
//
//   calico-node --hostname NAME [--config FILE] [--netns NAME] [--status-file PATH]
//               [--health-port N] [--metrics-port N]
//
// The datastore comes from the datastore loader (DATASTORE_TYPE,
// DATASTORE_PATH, ETCD_*, or --config FILE). By default it programs the
// network namespace it runs in (`ip netns exec HOSTNS calico-node …`);
// --netns programs a named namespace from outside it instead. Felix-style
// settings come from FELIX_* variables (see config.ts). SIGTERM/SIGINT stop it
// cleanly and leave the dataplane as programmed: fail-closed stays in force and
// the next agent takes the rules over without a gap.
import { Command } from 'commander';
import type { Server } from 'node:http';
import { CalicoError, formatFieldError } from '../api/errors.js';
import { LinuxDataplane } from '../dataplane/index.js';
import { loadDatastoreConfig, openDatastore, type Datastore } from '../datastore/index.js';
import { Agent } from './agent.js';
import { calicoVersion, ensureClusterInformation } from './cluster-info.js';
import { LinuxDataplaneDriver } from './dataplane-driver.js';
import { loadAgentConfig, type CliOptions } from './config.js';
import { LinkMonitor } from './link-monitor.js';
import { agentLogger } from './log.js';
import { NodeStartup } from './startup/run.js';
import { AgentMetrics } from './metrics.js';
import { closeServer, healthRoutes, metricsRoutes, serve } from './server.js';
import { writeStatusFile } from './status.js';

interface Flags extends CliOptions {
  readonly config?: string;
}

async function main(flags: Flags): Promise<void> {
  const config = loadAgentConfig(flags);
  // Refuses a malformed start-up variable before anything is written.
  const startup = NodeStartup.fromEnv(process.env, config.hostname);
  const root = agentLogger(config.logLevel, config.hostname);
  const log = root.child({ component: 'main' });
  const dsConfig = loadDatastoreConfig(flags.config === undefined ? {} : { configFile: flags.config });
  const datastore: Datastore = await openDatastore(dsConfig);
  const metrics = new AgentMetrics();
  const dataplane = new LinuxDataplane({ ...(config.netns === undefined ? {} : { netns: config.netns }), families: config.families });
  const statusFile = config.statusFile;
  const agent = new Agent({
    hostname: config.hostname,
    datastore,
    dataplane: new LinuxDataplaneDriver(dataplane),
    log: root,
    metrics,
    applyIntervalMs: config.applyIntervalMs,
    ...(config.refreshIntervalMs === undefined ? {} : { refreshIntervalMs: config.refreshIntervalMs }),
    revisionProbeMs: config.revisionProbeMs,
    // Watches the namespace the dataplane programs: the one named by --netns, else our own.
    ...(config.linkMonitor ? { interfaceMonitor: new LinkMonitor({ log: root, ...(config.netns === undefined ? {} : { netns: config.netns }) }) } : {}),
    ...(config.interfaceRefreshMs === undefined ? {} : { interfaceRefreshMs: config.interfaceRefreshMs }),
    onStatus: (s) => {
      if (statusFile !== undefined) {
        try {
          writeStatusFile(statusFile, startup.gate(s));
        } catch (err) {
          log.warn({ err: err instanceof Error ? err.message : String(err), statusFile }, 'cannot write the status file');
        }
      }
      if (s.programmedRevision >= 0) metrics.loadInBackground();
    },
  });

  const servers: Server[] = [];
  const health = healthRoutes(() => startup.gate(agent.status()));
  const metricRoutes = metricsRoutes(() => metrics.registry());
  const sameServer = config.healthEnabled && config.metricsEnabled && config.healthPort === config.metricsPort && config.healthPort !== 0 && config.healthHost === config.metricsHost;
  if (config.healthEnabled) {
    const routes = sameServer ? new Map([...health, ...metricRoutes]) : health;
    const { server, address } = await serve({ host: config.healthHost, port: config.healthPort }, routes);
    servers.push(server);
    log.info({ address }, 'health server listening');
  }
  if (config.metricsEnabled && !sameServer) {
    const { server, address } = await serve({ host: config.metricsHost, port: config.metricsPort }, metricRoutes);
    servers.push(server);
    log.info({ address }, 'metrics server listening');
  }

  let stopping = false;
  const shutdown = async (signal: string, exitCode = 0): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping; the dataplane stays as programmed');
    await agent.stop();
    await Promise.all(servers.map((s) => closeServer(s)));
    await datastore.close();
    log.info('stopped');
    process.exit(exitCode);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  log.info({ datastore: dsConfig.type, netns: config.netns ?? '(own)', families: config.families, refreshIntervalMs: config.refreshIntervalMs ?? 'FelixConfiguration', linkMonitor: config.linkMonitor }, 'starting');
  agent.start();
  // prom-client loads once the dataplane is first programmed (or /metrics is asked for); this bounds the wait.
  setTimeout(() => metrics.loadInBackground(), 3000).unref();
  void recordClusterInformation(datastore, log, () => stopping);
  startup.run(datastore, { log: root, stopped: () => stopping, ...(config.netns === undefined ? {} : { netns: config.netns }) }).then(
    () => {
      // The agent writes its status only when it changes: the readiness start-up held back is written here.
      try {
        if (statusFile !== undefined) writeStatusFile(statusFile, agent.status());
      } catch {
        // The agent's next status change writes it.
      }
    },
    (err: unknown) => {
      const reason = err instanceof Error ? err.message : String(err);
      log.fatal({ err: reason }, 'start-up failed');
      process.stderr.write(`calico-node: ${reason}\n`);
      void shutdown('start-up failed', 1);
    },
  );
}

/**
 * Writes this node's version and cluster type (CLUSTER_TYPE) into
 * ClusterInformation, retrying in the background while the datastore is
 * unreachable: programming policy must not wait for it.
 */
async function recordClusterInformation(datastore: Datastore, log: ReturnType<typeof agentLogger>, stopped: () => boolean): Promise<void> {
  const version = calicoVersion();
  for (let delayMs = 1000; !stopped(); delayMs = Math.min(delayMs * 2, 30_000)) {
    try {
      await ensureClusterInformation(datastore, version, process.env['CLUSTER_TYPE'] ?? '');
      log.info({ calicoVersion: version }, 'ClusterInformation records this version');
      return;
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot write ClusterInformation yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
    }
  }
}

const program = new Command('calico-node')
  .description('Calico-TS per-host agent: programs this host\'s policy and routes from the datastore')
  .option('--hostname <name>', 'this node\'s name (default: FELIX_FELIXHOSTNAME, NODENAME, or the host name)')
  .option('-c, --config <file>', 'datastore configuration file (default: /etc/calico/calicoctl.cfg, else the environment)')
  .option('--netns <name>', 'program this named network namespace instead of the one calico-node runs in')
  .option('--status-file <path>', 'also write the status JSON here (or CALICO_NODE_STATUS_FILE)')
  .option('--health-port <port>', 'health port (FELIX_HEALTHPORT, default 9099; 0 = any free port)')
  .option('--metrics-port <port>', 'Prometheus port (FELIX_PROMETHEUSMETRICSPORT, default 9091; 0 = any free port)')
  .allowExcessArguments(false)
  .addHelpText(
    'after',
    `
Environment:
  DATASTORE_TYPE, DATASTORE_PATH, ETCD_ENDPOINTS, ETCD_*   the datastore, as calicoctl reads it
  FELIX_HEALTHENABLED, FELIX_HEALTHHOST, FELIX_HEALTHPORT  /liveness, /readiness, /status (127.0.0.1:9099)
  FELIX_PROMETHEUSMETRICSENABLED, FELIX_PROMETHEUSMETRICSHOST, FELIX_PROMETHEUSMETRICSPORT   /metrics (127.0.0.1:9091)
  FELIX_NFTABLESREFRESHINTERVAL (or FELIX_IPTABLESREFRESHINTERVAL)   seconds between dataplane read-backs
                                                           (default: FelixConfiguration, else 90)
  FELIX_INTERFACEREFRESHINTERVAL                           seconds between safety-net looks for the interfaces of pending
                                                           routes (10; 0 = none); interface changes are heard at once
  CALICO_NODE_LINK_MONITOR                                 false: no \`ip monitor\`; poll for pending routes' interfaces
  FELIX_IPV6SUPPORT                                        false: program IPv4 only
  LOG_LEVEL or FELIX_LOGSEVERITYSCREEN                     trace, debug, info, warning, error, fatal, none
  CALICO_NODE_STATUS_FILE                                  as --status-file
  CALICO_NODE_APPLY_INTERVAL_MS                            least time between two applies (10)
  CALICO_NODE_REVISION_PROBE_MS                            idle datastore revision probe period (200)
  IP, IP6, IP_AUTODETECTION_METHOD, IP6_AUTODETECTION_METHOD, AS, CALICO_NETWORKING_BACKEND,
  NO_DEFAULT_POOLS, CALICO_IPV4POOL_*, CALICO_IPV6POOL_*   start-up: this node's Node and the default IP pools

Status: {ready, live, inSync, programmedRevision, datastoreRevision, ...} on GET /status and in the
status file; every datastore change with revision <= programmedRevision is in force.`,
  )
  .action(async (flags: Flags) => main(flags));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // A person reads this: the message and the fields at fault, no stack trace.
  if (err instanceof CalicoError) {
    process.stderr.write(`calico-node: ${err.message}\n`);
    if (err.details.length > 0 && !err.message.includes('\n')) for (const d of err.details) process.stderr.write(`  ${formatFieldError(d)}\n`);
  } else {
    process.stderr.write(`calico-node: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exit(1);
}
