// `calicoctl ipam check|release|show|split|configure`: the commander wiring;
// what each does lives in src/ipam/commands.ts.
import type { Command } from 'commander';
import type { Datastore } from '../../datastore/types.js';
import { check, configure, releaseFromReports, releaseIp, showBorrowed, showConfiguration, showIp, showUtilization, split } from '../../ipam/commands.js';
import { openClient } from '../client.js';
import { CalicoError } from '../../api/errors.js';
import { calicoTsVersion as version } from '../../api/version.js';

const out = (text: string): void => {
  process.stdout.write(text);
};

async function withDatastore(config: string | undefined, fn: (ds: Datastore) => Promise<void>): Promise<void> {
  const { datastore } = await openClient({ config });
  try {
    await fn(datastore);
  } finally {
    await datastore.close();
  }
}

function configFlag(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'Path to the file containing connection configuration in YAML or JSON format.')
    .option('--allow-version-mismatch', 'Allow client and cluster versions mismatch.');
}

export function registerIpamCommands(program: Command): void {
  const ipam = program
    .command('ipam')
    .description('IP address management')
    .summary('IP address management');

  configFlag(
    ipam
      .command('check')
      .description('Check the integrity of the IPAM datastructures')
      .option('--show-all-ips', 'Print all IPs that are checked.')
      .option('--show-problem-ips', 'Print all IPs that are leaked or not allocated properly.')
      .option('-o, --output <file>', 'Path to output report file.')
      .option('--kubeconfig <file>', 'Path to Kubeconfig file.'),
  ).action(async (o: { config?: string; showAllIps?: boolean; showProblemIps?: boolean; output?: string }) => {
    await withDatastore(o.config, async (ds) => {
      await check(ds, out, {
        showAllIps: o.showAllIps === true,
        showProblemIps: o.showProblemIps === true,
        ...(o.output === undefined ? {} : { output: o.output }),
        version: version(),
      });
    });
  });

  configFlag(
    ipam
      .command('release')
      .description('Release a Calico assigned IP address')
      .option('--ip <address>', 'IP address to release.')
      .option('--from-report <file>', 'Release all leaked addresses from the report.', (v: string, prev: string[] = []) => [...prev, v])
      .option('--force', 'Force release of leaked addresses.'),
  ).action(async (o: { config?: string; ip?: string; fromReport?: string[]; force?: boolean }) => {
    await withDatastore(o.config, async (ds) => {
      if (o.fromReport !== undefined && o.fromReport.length > 0) {
        await releaseFromReports(ds, out, o.fromReport, o.force === true, version());
        out('You may now unlock the data store.\n');
        return;
      }
      if (o.ip !== undefined && o.ip !== '') await releaseIp(ds, out, o.ip);
    });
  });

  configFlag(
    ipam
      .command('show')
      .description('Show details of a Calico assigned IP address or overall IP usage')
      .option('--ip <address>', 'Report whether this specific IP address is in use.')
      .option('--show-blocks', 'Show detailed information for IP blocks as well as pools.')
      .option('--show-borrowed', 'Show detailed information for borrowed IP addresses.')
      .option('--show-configuration', 'Show current Calico IPAM configuration.'),
  ).action(async (o: { config?: string; ip?: string; showBlocks?: boolean; showBorrowed?: boolean; showConfiguration?: boolean }) => {
    await withDatastore(o.config, async (ds) => {
      if (o.ip !== undefined && o.ip !== '') await showIp(ds, out, o.ip);
      else if (o.showBlocks === true) await showUtilization(ds, out, true);
      else if (o.showBorrowed === true) await showBorrowed(ds, out);
      else if (o.showConfiguration === true) await showConfiguration(ds, out);
      else await showUtilization(ds, out, false);
    });
  });

  configFlag(
    ipam
      .command('split')
      .description('Split an IP pool into the specified number of smaller IP pools')
      .argument('<number>', 'how many pools to split into (a power of two)')
      .option('--cidr <cidr>', 'CIDR of the IP pool to split.')
      .option('--name <name>', 'Name of the IP pool to split.'),
  ).action(async (n: string, o: { config?: string; cidr?: string; name?: string }) => {
    if (!/^[+-]?\d+$/.test(n)) {
      throw new CalicoError('invalid-value', `error reading number to split IP pools into. ${n} is not a valid number: strconv.Atoi: parsing "${n}": invalid syntax`);
    }
    await withDatastore(o.config, (ds) => split(ds, out, Number(n), o.cidr ?? '', o.name ?? ''));
  });

  configFlag(
    ipam
      .command('configure')
      .description('Configure IPAM')
      .option('--strictaffinity <bool>', 'Set StrictAffinity to true/false.')
      .option('--max-blocks-per-host <n>', 'Set the maximum number of blocks that can be affine to a host.')
      .option('--kubevirt-ip-persistence <mode>', 'Control whether KubeVirt VMs retain persistent IP addresses (Enabled|Disabled).')
      .option('--ip-cooldown-seconds <n>', 'Set the minimum time between release and re-allocation of an IP address.', '-1'),
  ).action(async (o: { config?: string; strictaffinity?: string; maxBlocksPerHost?: string; kubevirtIpPersistence?: string; ipCooldownSeconds: string }) => {
    const cooldown = Number(o.ipCooldownSeconds);
    if (!Number.isInteger(cooldown)) throw new CalicoError('invalid-value', `invalid argument "${o.ipCooldownSeconds}" for "--ip-cooldown-seconds" flag`);
    await withDatastore(o.config, (ds) =>
      configure(ds, out, {
        ...(o.strictaffinity === undefined ? {} : { strictAffinity: o.strictaffinity }),
        ...(o.maxBlocksPerHost === undefined ? {} : { maxBlocksPerHost: o.maxBlocksPerHost }),
        ...(o.kubevirtIpPersistence === undefined ? {} : { kubevirtIpPersistence: o.kubevirtIpPersistence }),
        ipCooldownSeconds: cooldown,
      }),
    );
  });
}
