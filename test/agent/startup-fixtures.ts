// Host interfaces as the start-up tests write them: `iface(3, 'eth0', '10.0.0.5/24')`.
import type { IpAddress, IpFamily } from '../../src/api/net.js';
import type { HostInterface } from '../../src/agent/startup/autodetect.js';

export function iface(index: number, name: string, ...cidrs: string[]): HostInterface {
  return {
    index,
    name,
    addresses: cidrs.map((c) => {
      const [a = '', len = ''] = c.split('/');
      return { family: (a.includes(':') ? 6 : 4) as IpFamily, address: a as IpAddress, prefixLength: Number(len) };
    }),
  };
}
