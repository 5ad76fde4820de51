import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import { withRuntime } from './fake-runtime-api.mjs';

const NODE = process.env.BOOTSTRAP_TEST_NODE || process.execPath;

// What an ES module that requires the builtins the bootstrap needs has loaded.
const BASELINE = `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
for (const name of ['node:fs', 'node:net', 'node:path', 'node:util']) require(name);
console.log(JSON.stringify(process.moduleLoadList));`;

test('a plain invocation loads neither node:http nor the ES module namespaces of fs and util', async () => {
  const baseline = new Set(
    JSON.parse(execFileSync(NODE, ['--input-type=module', '-e', BASELINE], { env: { PATH: process.env.PATH } })),
  );
  const files = { 'index.js': 'exports.handler = async () => process.moduleLoadList;' };
  await withRuntime(files, {}, async (api) => {
    api.invoke('req-1');
    const all = (await api.post()).json();
    assert.ok(all.includes('NativeModule net'), 'the handler sees the list of loaded modules');
    const loaded = all.filter((name) => !baseline.has(name));
    for (const avoided of [
      'NativeModule http',
      'NativeModule _http_client',
      // what importing node:util and node:fs as ES modules would load to build their namespaces
      'NativeModule internal/util/parse_args/parse_args',
      'NativeModule internal/fs/streams',
    ]) {
      assert.ok(!loaded.includes(avoided), `${avoided} was loaded`);
    }
  });
});
