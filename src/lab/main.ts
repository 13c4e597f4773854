// calico-lab: Calico-TS on one machine without Kubernetes. Every host and pod
// is a network namespace of the lab's own; nothing is configured in the
// machine's root namespace. State lives in LAB_DIR or /var/run/calico-lab/<lab>.
//
//   calico-lab up [--datastore sqlite|etcdv3] [--pool CIDR]
//   calico-lab ns add NAME [--labels k=v,…]
//   calico-lab pod add NS/NAME [--labels k=v,…] [--serve [PORTNAME=]PROTO:PORT,…] [--ip IP] [--floating-ips IP,…]
//   calico-lab pod del NS/NAME
//   calico-lab pods [--json]
//   calico-lab ctl ARGS…
//   calico-lab sync
//   calico-lab probe FROM TO --port P --protocol tcp|udp
//   calico-lab matrix --port P --protocol tcp|udp [--json]
//   calico-lab down
import { Command, Option } from 'commander';
import { CalicoError } from '../api/errors.js';
import { describeError, runCli } from '../ctl/run.js';
import { down, up, type DatastoreKind } from './lifecycle.js';
import { parseLabels, parseServe } from './options.js';
import { addNamespace, addPod, deletePod, pods } from './pods.js';
import { locateLab, requireState, type LabLocation } from './state.js';
import { checkPort, ctlInteractive, formatMatrix, matrix, probe, sync } from './traffic.js';

function location(cmd: Command): LabLocation {
  const opts = cmd.optsWithGlobals<{ lab?: string }>();
  return locateLab(opts.lab);
}

function portNumber(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new CalicoError('invalid-value', `port must be 1 to 65535, not "${text}"`);
  return n;
}

const protocolOption = (): Option => new Option('--protocol <proto>', 'tcp or udp').choices(['tcp', 'udp']).makeOptionMandatory();
const portOption = (): Option => new Option('--port <port>', 'destination port').argParser(portNumber).makeOptionMandatory();

export function buildProgram(): Command {
  const program = new Command('calico-lab')
    .description('Calico-TS on one machine: hosts and pods in network namespaces, real packets, real policy')
    .option('--lab <name>', 'lab name (CALICO_LAB_NAME, default "lab"); namespaces are named cl-<lab>-…')
    .showHelpAfterError()
    .allowExcessArguments(false);

  program
    .command('up')
    .description('start the datastore, the host and its calico-node, and the default IP pool; returns when ready')
    .addOption(new Option('--datastore <type>', 'sqlite file or an etcd inside the lab').choices(['sqlite', 'etcdv3']).default('sqlite'))
    .option('--pool <cidr>', 'the default IP pool', '10.244.0.0/16')
    .action(async (opts: { datastore: DatastoreKind; pool: string }, cmd: Command) => {
      const loc = location(cmd);
      const state = await up(loc, { datastore: opts.datastore, pool: opts.pool, progress: (l) => process.stderr.write(`${l}\n`) });
      process.stdout.write(`lab "${state.name}" is up: ${state.hosts.length} host(s), ${state.datastore.type} datastore, pool ${state.pool} (state in ${state.dir})\n`);
    });

  const ns = program.command('ns').description('Kubernetes namespaces');
  ns.command('add <name>')
    .description('a namespace and its labels (profiles kns.<name> and ksa.<name>.default)')
    .option('--labels <k=v,…>', 'namespace labels', '')
    .action(async (name: string, opts: { labels: string }, cmd: Command) => {
      await addNamespace(requireState(location(cmd)), name, parseLabels(opts.labels));
    });

  const pod = program.command('pod').description('pods');
  pod
    .command('add <ns/name>')
    .description('a pod in its own network namespace, wired by the CNI plugin, serving the given ports')
    .option('--labels <k=v,…>', 'pod labels', '')
    .option('--serve <[name=]proto:port,…>', 'ports the pod listens on (a name makes it a named port)', '')
    .option('--ip <ip>', 'a specific address from an IP pool')
    .option('--floating-ips <ip,…>', 'floating IPs (the cni.projectcalico.org/floatingIPs annotation)')
    .action(async (ref: string, opts: { labels: string; serve: string; ip?: string; floatingIps?: string }, cmd: Command) => {
      const floatingIps = opts.floatingIps?.split(',').map((ip) => ip.trim()).filter((ip) => ip !== '');
      const p = await addPod(requireState(location(cmd)), ref, {
        labels: parseLabels(opts.labels),
        serve: parseServe(opts.serve),
        ...(opts.ip === undefined ? {} : { ip: opts.ip }),
        ...(floatingIps === undefined ? {} : { floatingIps }),
      });
      process.stdout.write(`${p.namespace}/${p.name} ${p.ips.join(',')}\n`);
    });
  pod
    .command('del <ns/name>')
    .description('CNI DEL, stop the listeners, delete the namespace')
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      await deletePod(requireState(location(cmd)), ref);
    });

  program
    .command('pods')
    .description('the pods: namespace, name, node, addresses, labels')
    .option('--json', 'as JSON')
    .action((opts: { json?: boolean }, cmd: Command) => {
      const list = pods(requireState(location(cmd)));
      if (opts.json === true) {
        process.stdout.write(JSON.stringify(list, null, 2) + '\n');
        return;
      }
      const rows = [['NAMESPACE', 'NAME', 'NODE', 'IP', 'LABELS'], ...list.map((p) => [p.namespace, p.name, p.node, p.ips.join(','), Object.entries(p.labels).map(([k, v]) => `${k}=${v}`).join(',')])];
      const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
      for (const r of rows) process.stdout.write(r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('   ').trimEnd() + '\n');
    });

  program
    .command('ctl')
    .description('calicoctl against the lab\'s datastore')
    .argument('[args...]')
    .allowUnknownOption(true)
    .helpOption(false)
    .action(async (args: string[], _opts: unknown, cmd: Command) => {
      const code = await ctlInteractive(requireState(location(cmd)), args);
      process.exitCode = code;
    });

  program
    .command('sync')
    .description('wait until every calico-node has programmed what the datastore holds now')
    .option('--timeout <seconds>', 'give up after this long', '60')
    .action(async (opts: { timeout: string }, cmd: Command) => {
      await sync(requireState(location(cmd)), Number(opts.timeout) * 1000);
    });

  program
    .command('probe <from> <to>')
    .description('exit 0 when FROM (NS/NAME) connects to TO, 1 when not')
    .addOption(portOption())
    .addOption(protocolOption())
    .action(async (from: string, to: string, opts: { port: number; protocol: string }, cmd: Command) => {
      const ok = await probe(requireState(location(cmd)), from, to, opts.port, checkPort(opts.port, opts.protocol));
      process.stdout.write(`${from} -> ${to} ${opts.protocol}/${opts.port}: ${ok ? 'connected' : 'blocked'}\n`);
      if (!ok) process.exitCode = 1;
    });

  program
    .command('matrix')
    .description('every pod to every pod (rows are clients, columns servers; . connects, X does not)')
    .addOption(portOption())
    .addOption(protocolOption())
    .option('--json', 'as JSON {"ns/from": {"ns/to": true, …}, …}')
    .action(async (opts: { port: number; protocol: string; json?: boolean }, cmd: Command) => {
      const m = await matrix(requireState(location(cmd)), opts.port, checkPort(opts.port, opts.protocol));
      process.stdout.write((opts.json === true ? JSON.stringify(m) : formatMatrix(m)) + '\n');
    });

  program
    .command('down')
    .description('remove every namespace, process and file of the lab (also after a crash)')
    .action(async (_opts: unknown, cmd: Command) => {
      const r = await down(location(cmd));
      process.stdout.write(`lab down: ${r.processes} process(es) stopped, ${r.namespaces} namespace(s) removed\n`);
    });

  return program;
}

try {
  await runCli(buildProgram(), process.argv);
} catch (err) {
  process.stderr.write(`${describeError(err)}\n`);
  process.exitCode = 1;
}
