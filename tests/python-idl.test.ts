/* The Python IDL (python3-openvswitch's ovs.db.idl) against our ovsdb-server:
 * it fetches the schema, monitors the Open_vSwitch database (monitor_cond
 * and the _Server database, as OVS's IDL does), commits a change and must see
 * its own change come back through the monitor.  Skipped when no python3
 * can import the ovs package. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Sandbox } from './helpers/sandbox.js';
import { startOvsdbServer } from './helpers/ovsdb-peer.js';

function findPython(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import ovs.db.idl'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

const SCRIPT = String.raw`
import sys, time
import ovs.db.idl, ovs.jsonrpc, ovs.stream, ovs.poller
remote = sys.argv[1]
# Fetch the schema from the server, as ovs-vsctl's Python cousins do.
err, stream = ovs.stream.Stream.open_block(ovs.stream.Stream.open(remote))
assert not err, err
rpc = ovs.jsonrpc.Connection(stream)
err, reply = rpc.transact_block(ovs.jsonrpc.Message.create_request("get_schema", ["Open_vSwitch"]))
assert not err and reply.error is None, (err, reply)
rpc.close()
helper = ovs.db.idl.SchemaHelper(schema_json=reply.result)
helper.register_all()
idl = ovs.db.idl.Idl(remote, helper)

def run_until(cond, what, timeout=10):
    end = time.time() + timeout
    while not cond():
        idl.run()
        if cond():
            break
        if time.time() > end:
            print("timeout waiting for " + what); sys.exit(2)
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.timer_wait(100)
        poller.block()

run_until(lambda: idl.has_ever_connected() and len(idl.tables["Open_vSwitch"].rows) == 1, "initial contents")
seqno = idl.change_seqno

txn = ovs.db.idl.Transaction(idl)
ovsrow = next(iter(idl.tables["Open_vSwitch"].rows.values()))
br = txn.insert(idl.tables["Bridge"])
br.name = "br-py"
ovsrow.bridges = [br]
ovsrow.setkey("external_ids", "from", "python")
status = txn.commit_block()
print("commit:", ovs.db.idl.Transaction.status_to_string(status))
assert status == ovs.db.idl.Transaction.SUCCESS, status

def seen():
    names = [r.name for r in idl.tables["Bridge"].rows.values()]
    ovsrow = next(iter(idl.tables["Open_vSwitch"].rows.values()))
    return "br-py" in names and ovsrow.external_ids.get("from") == "python"
run_until(seen, "own change")
print("seen:", sorted(r.name for r in idl.tables["Bridge"].rows.values()))
print("seqno advanced:", idl.change_seqno > seqno)
idl.close()
`;

test('Python IDL monitors, commits and sees its own change', async (t) => {
  const py = findPython();
  if (!py) { t.skip('python3-openvswitch not installed'); return; }
  const sb = new Sandbox();
  try {
    const srv = await startOvsdbServer(sb, 'idl', 'ovsdb-server');
    const init = sb.run('/usr/bin/ovs-vsctl', [`--db=unix:${srv.sock}`, '--no-wait', 'init']);
    if (init.status !== 0) {
      // No real ovs-vsctl: create the Open_vSwitch row directly.
      const c = sb.run('ovsdb-client', ['transact', `unix:${srv.sock}`,
        '["Open_vSwitch",{"op":"insert","table":"Open_vSwitch","row":{}}]']);
      assert.equal(c.status, 0, c.stderr);
    }
    const r = spawnSync(py, ['-c', SCRIPT, `unix:${srv.sock}`], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, `python failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^commit: success$/m);
    assert.match(r.stdout, /^seen: \['br-py'\]$/m);
    assert.match(r.stdout, /^seqno advanced: True$/m);
  } finally {
    await sb.cleanup();
  }
});
