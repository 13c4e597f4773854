// Prometheus metrics under Felix's names where the meaning is the same, so
// dashboards built for Felix read calico-node too. Names that are ours alone
// start with calico_node_.
//
// prom-client is loaded only once the agent is idle (after its first
// dataplane apply) or when /metrics is first asked for: loading it costs tens
// of milliseconds of start-up, which would otherwise delay programming the
// dataplane. Until then every observation is recorded and replayed into the
// real metrics in order, so nothing observed during start-up is lost.
import type { Counter, Gauge, Registry, Summary } from 'prom-client';

export interface Observer {
  observe(value: number): void;
}
export interface Incrementer<L extends string = never> {
  inc(labels: Partial<Record<L, string>>, value?: number): void;
  inc(value?: number): void;
}
export interface Setter {
  set(value: number): void;
}

const QUANTILES = [0.5, 0.9, 0.99];

/** Each metric: its prom-client type and how it is built (Felix's name and help text). */
const DEFINITIONS = {
  calcUpdateTime: { type: 'summary', name: 'felix_calc_graph_update_time_seconds', help: 'Seconds to update calculation graph for each datastore OnUpdate call.' },
  calcUpdatesProcessed: { type: 'counter', name: 'felix_calc_graph_updates_processed', help: 'Number of datastore updates processed by the calculation graph.', labelNames: ['type'] },
  calcOutputEvents: { type: 'counter', name: 'felix_calc_graph_output_events', help: 'Number of events emitted by the calculation graph.' },
  applyTime: { type: 'summary', name: 'felix_int_dataplane_apply_time_seconds', help: 'Time in seconds that it took to apply a dataplane update.' },
  dataplaneFailures: { type: 'counter', name: 'felix_int_dataplane_failures', help: 'Number of times dataplane updates failed and will be retried.' },
  dataplaneMessages: { type: 'counter', name: 'felix_int_dataplane_messages', help: 'Number dataplane messages by type.', labelNames: ['type'] },
  batchSize: { type: 'summary', name: 'felix_int_dataplane_msg_batch_size', help: 'Number of messages processed in each batch.' },
  activeLocalEndpoints: { type: 'gauge', name: 'felix_active_local_endpoints', help: 'Number of active endpoints on this host.' },
  activeLocalPolicies: { type: 'gauge', name: 'felix_active_local_policies', help: 'Number of active policies on this host.' },
  activeLocalSelectors: { type: 'gauge', name: 'felix_active_local_selectors', help: 'Number of active selectors on this host.' },
  ipsetsCalico: { type: 'gauge', name: 'felix_ipsets_calico', help: 'Number of active Calico IP sets.' },
  resyncState: { type: 'gauge', name: 'felix_resync_state', help: 'Current datastore state (1 waiting for the datastore, 2 resync in progress, 3 in sync).' },
  resyncsStarted: { type: 'counter', name: 'felix_resyncs_started', help: 'Number of times Felix has started resyncing with the datastore.' },
  clusterWorkloadEndpoints: { type: 'gauge', name: 'felix_cluster_num_workload_endpoints', help: 'Total number of workload endpoints cluster-wide.' },
  clusterHostEndpoints: { type: 'gauge', name: 'felix_cluster_num_host_endpoints', help: 'Total number of host endpoints cluster-wide.' },
  clusterHosts: { type: 'gauge', name: 'felix_cluster_num_hosts', help: 'Total number of Calico hosts in the cluster (hosts with endpoints).' },
  programmedRevision: { type: 'gauge', name: 'calico_node_programmed_revision', help: 'Datastore revision whose state is fully programmed in the dataplane.' },
  datastoreRevision: { type: 'gauge', name: 'calico_node_datastore_revision', help: 'Latest datastore revision the agent has received.' },
} as const;

type MetricName = keyof typeof DEFINITIONS;
type Real = Counter<string> | Gauge | Summary;

export class AgentMetrics {
  readonly calcUpdateTime = this.observer('calcUpdateTime');
  readonly calcUpdatesProcessed = this.incrementer<'type'>('calcUpdatesProcessed');
  readonly calcOutputEvents = this.incrementer('calcOutputEvents');
  readonly applyTime = this.observer('applyTime');
  readonly dataplaneFailures = this.incrementer('dataplaneFailures');
  readonly dataplaneMessages = this.incrementer<'type'>('dataplaneMessages');
  readonly batchSize = this.observer('batchSize');
  readonly activeLocalEndpoints = this.setter('activeLocalEndpoints');
  readonly activeLocalPolicies = this.setter('activeLocalPolicies');
  readonly activeLocalSelectors = this.setter('activeLocalSelectors');
  readonly ipsetsCalico = this.setter('ipsetsCalico');
  readonly resyncState = this.setter('resyncState');
  readonly resyncsStarted = this.incrementer('resyncsStarted');
  readonly clusterWorkloadEndpoints = this.setter('clusterWorkloadEndpoints');
  readonly clusterHostEndpoints = this.setter('clusterHostEndpoints');
  readonly clusterHosts = this.setter('clusterHosts');
  readonly programmedRevision = this.setter('programmedRevision');
  readonly datastoreRevision = this.setter('datastoreRevision');

  private real: Map<MetricName, Real> | undefined;
  /** Observations made before prom-client was loaded, in order. */
  private pending: ((real: Map<MetricName, Real>) => void)[] = [];
  private loading: Promise<Registry> | undefined;

  /** The registry with every metric, prom-client loaded (and the recorded observations replayed) first. */
  registry(): Promise<Registry> {
    this.loading ??= this.load();
    return this.loading;
  }

  /** Starts loading prom-client without waiting; a failure shows on /metrics, not here. */
  loadInBackground(): void {
    this.registry().catch(() => undefined);
  }

  private async load(): Promise<Registry> {
    const prom = await import('prom-client');
    const registry = new prom.Registry();
    const registers = [registry];
    prom.collectDefaultMetrics({ register: registry });
    const real = new Map<MetricName, Real>();
    for (const [key, d] of Object.entries(DEFINITIONS) as [MetricName, (typeof DEFINITIONS)[MetricName]][]) {
      const labelNames = 'labelNames' in d ? [...d.labelNames] : [];
      const common = { name: d.name, help: d.help, labelNames, registers };
      real.set(key, d.type === 'summary' ? new prom.Summary({ ...common, percentiles: QUANTILES }) : d.type === 'counter' ? new prom.Counter(common) : new prom.Gauge(common));
    }
    for (const replay of this.pending) replay(real);
    this.pending = [];
    this.real = real;
    return registry;
  }

  private record(apply: (real: Map<MetricName, Real>) => void): void {
    if (this.real !== undefined) apply(this.real);
    else this.pending.push(apply);
  }

  private observer(name: MetricName): Observer {
    return { observe: (value) => this.record((m) => (m.get(name) as Summary).observe(value)) };
  }

  private setter(name: MetricName): Setter {
    return { set: (value) => this.record((m) => (m.get(name) as Gauge).set(value)) };
  }

  private incrementer<L extends string = never>(name: MetricName): Incrementer<L> {
    return {
      inc: (labelsOrValue?: Partial<Record<L, string>> | number, value?: number) =>
        this.record((m) => {
          const c = m.get(name) as Counter<string>;
          if (typeof labelsOrValue === 'object') c.inc(labelsOrValue as Partial<Record<string, string>>, value);
          else c.inc(labelsOrValue);
        }),
    };
  }
}
