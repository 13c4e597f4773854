// The `calico` binary: the CNI protocol around the plugin's commands.
import { cmdAdd } from './plugin.js';
import { cmdCheck, cmdDel, cmdGc, cmdStatus } from './plugin-ops.js';
import { pluginMain } from './skel.js';

await pluginMain({ add: cmdAdd, del: cmdDel, check: cmdCheck, status: cmdStatus, gc: cmdGc }, 'Calico CNI plugin (Calico-TS)');
