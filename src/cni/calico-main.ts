// The `calico` binary: the CNI protocol around the plugin's commands. Each
// command loads only its own modules: start-up is paid on every ADD and DEL.
import { markOneShot } from './context.js';
import { pluginMain } from './skel.js';

markOneShot();

await pluginMain(
  {
    add: async (args) => (await import('./plugin.js')).cmdAdd(args),
    del: async (args) => (await import('./plugin-ops.js')).cmdDel(args),
    check: async (args) => (await import('./plugin-ops.js')).cmdCheck(args),
    status: async (args) => (await import('./plugin-ops.js')).cmdStatus(args),
    gc: async (args) => (await import('./plugin-ops.js')).cmdGc(args),
  },
  'Calico CNI plugin (Calico-TS)',
);
