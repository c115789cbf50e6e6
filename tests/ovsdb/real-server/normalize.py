# Normalizes captured lines: _version UUIDs become "<v>", other random UUIDs
# <0>, <1>, ... in order of appearance (UUIDs chosen by the scenario, which
# start with aaaaaaaa, bbbbbbbb or cccccccc, are kept); keys sorted.
import json, re, sys
u = '[0-9a-fA-F]'
uuid_re = re.compile(r'%s{8}-%s{4}-%s{4}-%s{4}-%s{12}' % ((u,) * 5))
uuids = {}
def lf(m):
    s = m.group(0)
    if s[:8] in ('aaaaaaaa', 'bbbbbbbb', 'cccccccc', '00000000'):
        return s
    return '<%d>' % uuids.setdefault(s, len(uuids))
for line in sys.stdin:
    line = re.sub(r'"_version": ?\["uuid", ?"[0-9a-f-]+"\]', '"_version": ["uuid", "<v>"]', line)
    print(uuid_re.sub(lf, json.dumps(json.loads(line), sort_keys=True)))
