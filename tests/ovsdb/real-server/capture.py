# capture.py SOCKET SCENARIO: drives a running ovsdb-server through a scenario
# (monitors on their own connections, transactions on another, monitor_cond_change)
# and prints one JSON line per reply or notification.  See capture.sh.
import json, socket, sys
class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX); self.s.connect(path); self.buf = b''; self.id = 0
        self.dec = json.JSONDecoder()
    def send(self, method, params):
        self.id += 1
        self.s.sendall(json.dumps({"id": self.id, "method": method, "params": params}).encode())
        return self.id
    def recv(self):
        while True:
            txt = self.buf.decode('utf-8', 'ignore').lstrip()
            if txt:
                try:
                    obj, end = self.dec.raw_decode(txt)
                    self.buf = txt[end:].encode()
                    return obj
                except ValueError:
                    pass
            self.buf += self.s.recv(65536)
    def call(self, method, params):
        i = self.send(method, params); notes = []
        while True:
            m = self.recv()
            if m.get('id') == i and ('result' in m or 'error' in m): return m, notes
            notes.append(m)
path = sys.argv[1]; steps = json.load(open(sys.argv[2]))
txc = Conn(path); mons = {}
out = []
for st in steps:
    if 'monitor' in st:
        c = Conn(path); mons[st['name']] = c
        r, n = c.call(st['monitor'], st['params'])
        out.append({'step': st['name'], 'reply': r.get('result'), 'error': r.get('error')})
    elif 'txn' in st:
        r, _ = txc.call('transact', st['txn'])
        out.append({'step': 'txn', 'reply': r.get('result'), 'error': r.get('error')})
        for name, c in mons.items():
            _, notes = c.call('echo', [])
            for nt in notes:
                out.append({'step': name, 'method': nt.get('method'), 'params': nt.get('params')})
    elif 'cond_change' in st:
        c = mons[st['name']]
        r, notes = c.call('monitor_cond_change', st['cond_change'])
        _, notes2 = c.call('echo', [])
        out.append({'step': st['name'], 'reply': r.get('result'), 'error': r.get('error')})
        for nt in notes + notes2:
            out.append({'step': st['name'], 'method': nt.get('method'), 'params': nt.get('params')})
for o in out: print(json.dumps(o, sort_keys=True))
