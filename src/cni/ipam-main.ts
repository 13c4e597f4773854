// The `calico-ipam` binary: Calico IPAM behind the CNI protocol, for runtimes
// and plugins that delegate to it from CNI_PATH.
import { context, markOneShot, withDatastore } from './context.js';
import { CniCode, CniError } from './errors.js';
import { ipamAdd, ipamCheck, ipamDel, ipamGc, ipamStatus, validAttachments } from './ipam-plugin.js';
import { determineNodename, parseNetConf } from './netconf.js';
import { parseResult, printResult } from './result.js';
import { pluginMain, type CmdArgs, type Handlers } from './skel.js';

export const ipamHandlers: Handlers = {
  async add(args: CmdArgs) {
    const c = context(args, false);
    const ip = c.cniArgs.get('IP');
    const result = await withDatastore(c.conf, args.env, (ds) =>
      ipamAdd(ds, {
        conf: c.conf,
        ids: c.ids,
        ipv4Pools: c.conf.ipam.ipv4Pools,
        ipv6Pools: c.conf.ipam.ipv6Pools,
        assignIpv4: c.conf.ipam.assignIpv4,
        assignIpv6: c.conf.ipam.assignIpv6,
        ...(ip === undefined || ip === '' ? {} : { requestedIp: ip }),
      }),
    );
    return printResult(result, args.cniVersion);
  },
  async del(args: CmdArgs) {
    const c = context(args, false);
    await withDatastore(c.conf, args.env, (ds) => ipamDel(ds, c.conf, c.ids));
  },
  async check(args: CmdArgs) {
    const c = context(args, false);
    if (args.config['prevResult'] === undefined) throw new CniError(CniCode.invalidNetworkConfig, 'CHECK needs the prevResult of the ADD');
    const prev = parseResult(args.config['prevResult'], 'prevResult');
    await withDatastore(c.conf, args.env, (ds) => ipamCheck(ds, c.conf, c.ids, prev));
  },
  async status(args: CmdArgs) {
    const conf = parseNetConf(args.config);
    await withDatastore(conf, args.env, (ds) => ipamStatus(ds)).catch((err: unknown) => {
      if (err instanceof CniError && err.code === CniCode.pluginNotAvailable) throw err;
      throw new CniError(CniCode.pluginNotAvailable, err instanceof Error ? err.message : String(err));
    });
  },
  async gc(args: CmdArgs) {
    const conf = parseNetConf(args.config);
    const errors = await withDatastore(conf, args.env, (ds) => ipamGc(ds, conf, determineNodename(conf), validAttachments(args.config)));
    if (errors.length > 0) throw new CniError(CniCode.internal, `GC could not release everything: ${errors.join('; ')}`);
  },
};

markOneShot();
await pluginMain(ipamHandlers, 'Calico CNI IPAM plugin (Calico-TS)');
