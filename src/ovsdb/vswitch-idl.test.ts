// vswitch-idl: the IdlClass comes from the package's schemas/vswitch.ovsschema,
// and the version the tools print matches that file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vswitchIdlClass, vswitchSchemaText, VSWITCH_SCHEMA_VERSION } from './vswitch-idl.js';

test('the Open_vSwitch class is built from schemas/vswitch.ovsschema', () => {
  const schema = JSON.parse(vswitchSchemaText()) as { name: string; version: string; tables: Record<string, unknown> };
  assert.equal(schema.name, 'Open_vSwitch');
  assert.equal(schema.version, VSWITCH_SCHEMA_VERSION);
  const cls = vswitchIdlClass();
  assert.equal(cls.database, 'Open_vSwitch');
  assert.equal(cls.version, VSWITCH_SCHEMA_VERSION);
  // Tables and columns in name order, as OVS's generated IDL has them.
  assert.deepEqual(cls.tables.map((t) => t.name), Object.keys(schema.tables).sort());
  const cols = cls.tbl('Bridge').columns.map((c) => c.name);
  assert.deepEqual(cols, [...cols].sort());
  assert.ok(cols.includes('datapath_id') && cols.includes('ports'));
});
