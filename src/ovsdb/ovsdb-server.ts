/* ovsdb-server: the database server's main.
 *
 * Opens each database file named on the command line, serves the remotes
 * given by --remote, and answers ovs-appctl.  This file only wires the pieces
 * together: the engine, storage and JSON-RPC server are their own modules.
 */
import { setProgramName } from '../lib/program.js';
import { parseDaemonCommandLine } from '../lib/daemon-main.js';
import { Daemon, daemonUsage } from '../lib/daemon.js';
import { ovsDbdir } from '../lib/dirs.js';

setProgramName('ovsdb-server');

const { daemon: cfg, options, args } = parseDaemonCommandLine([
  { name: 'remote', arg: 'required' },
  { name: 'run', arg: 'required' },
  { name: 'sync-from', arg: 'required' },
  { name: 'sync-exclude-tables', arg: 'required' },
  { name: 'active', arg: 'none' },
  { name: 'no-dbs', arg: 'none' },
  { name: 'disable-file-column-diff', arg: 'none' },
  { name: 'private-key', short: 'p', arg: 'required' },
  { name: 'certificate', short: 'c', arg: 'required' },
  { name: 'ca-cert', short: 'C', arg: 'required' },
  { name: 'peer-ca-cert', arg: 'required' },
  { name: 'bootstrap-ca-cert', arg: 'required' },
  { name: 'ssl-protocols', arg: 'required' },
  { name: 'ssl-ciphers', arg: 'required' },
], () => `ovsdb-server: Open vSwitch database server
usage: ovsdb-server [OPTIONS] [DATABASE...]
where each DATABASE is a database file in ovsdb format.
The default DATABASE, if none is given, is
${ovsDbdir()}/conf.db.

JSON-RPC options (may be specified any number of times):
  --remote=REMOTE         connect or listen to REMOTE
${daemonUsage()}`);

void options; void args;
const daemon = await Daemon.start(cfg, () => ({}));
daemon.complete();
