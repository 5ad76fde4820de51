import assert from 'node:assert/strict';
import { test } from 'node:test';

import { withRuntime } from './fake-runtime-api.mjs';

const TIMESTAMP = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

test('console methods write Lambdas text log lines with the request id and level', async () => {
  const files = {
    'index.js': `console.log('at init');
      exports.handler = async () => {
        console.log('log %s', 'formatted', { n: 1 });
        console.info('info');
        console.warn('warn');
        console.error('error');
        console.debug('debug');
        console.trace('trace');
        console.fatal('fatal');
        console.log('first\\nsecond');
        return 'ok';
      };`,
  };
  await withRuntime(files, {}, async (api, runtime) => {
    api.invoke('req-1');
    await api.post();
    await runtime.line(/fatal$/);
    await runtime.line(/first/);
    const records = runtime.lines.map((line) => line.split('\t'));
    for (const record of records) {
      assert.match(record[0], new RegExp(`^${TIMESTAMP}$`));
    }
    assert.deepEqual(
      records.map((record) => record.slice(1)),
      [
        ['undefined', 'INFO', 'at init'],
        ['req-1', 'INFO', 'log formatted { n: 1 }'],
        ['req-1', 'INFO', 'info'],
        ['req-1', 'WARN', 'warn'],
        ['req-1', 'ERROR', 'error'],
        ['req-1', 'DEBUG', 'debug'],
        ['req-1', 'TRACE', 'trace'],
        ['req-1', 'FATAL', 'fatal'],
        ['req-1', 'INFO', 'first\rsecond'],
      ],
    );
  });
});

test('AWS_LAMBDA_LOG_LEVEL drops the levels below it', async () => {
  const files = {
    'index.js': `exports.handler = async () => {
      console.debug('dropped'); console.info('dropped'); console.log('dropped'); console.warn('kept warn');
      console.error('kept error');
      return 1;
    };`,
  };
  await withRuntime(files, { env: { AWS_LAMBDA_LOG_LEVEL: 'warn' } }, async (api, runtime) => {
    api.invoke('req-1');
    await api.post();
    await runtime.line(/kept error/);
    assert.deepEqual(
      runtime.lines.map((line) => line.split('\t').slice(2).join('\t')),
      ['WARN\tkept warn', 'ERROR\tkept error'],
    );
  });
});

test('AWS_LAMBDA_LOG_FORMAT=JSON writes one JSON object per record', async () => {
  const files = {
    'index.js': `exports.handler = async () => {
      console.log('count %d', 3);
      console.info({ structured: true });
      const error = new TypeError('wrong');
      console.error('failed:', error);
      throw new Error('out');
    };`,
  };
  await withRuntime(files, { env: { AWS_LAMBDA_LOG_FORMAT: 'JSON' } }, async (api, runtime) => {
    api.invoke('req-1');
    await api.post();
    await runtime.line(/"errorMessage":"out"/);
    const records = runtime.lines.map((line) => JSON.parse(line));
    for (const record of records) {
      assert.match(record.timestamp, new RegExp(`^${TIMESTAMP}$`));
      delete record.timestamp;
    }
    assert.deepEqual(records[0], { level: 'INFO', requestId: 'req-1', message: 'count 3' });
    assert.deepEqual(records[1], { level: 'INFO', requestId: 'req-1', message: { structured: true } });
    assert.equal(records[2].level, 'ERROR');
    assert.equal(records[2].errorType, 'TypeError');
    assert.equal(records[2].errorMessage, 'wrong');
    assert.equal(records[2].stackTrace[0], 'TypeError: wrong');
    assert.equal(records[3].level, 'ERROR');
    assert.equal(records[3].message.errorType, 'Error');
    assert.equal(records[3].message.errorMessage, 'out');
  });
});

test('everything an invocation prints is in the pipes before its response is posted', async () => {
  // Far more than a pipe or socket buffer holds: if the runtime posted while its own buffers still
  // held output, the reader would have seen only a fraction of it when the response arrived.
  const size = 2 * 1024 * 1024;
  const files = {
    'index.js': `exports.handler = async () => {
      console.log('a'.repeat(${size}));
      process.stdout.write('b'.repeat(${size}) + '\\n');
      process.stderr.write('c'.repeat(${size}) + '\\n');
      console.log('last line');
      return 'done';
    };`,
  };
  await withRuntime(files, {}, async (api) => {
    api.invoke('req-1');
    const post = await api.post();
    assert.equal(post.body, '"done"');
    const slack = 512 * 1024;
    assert.ok(post.stdoutBytes > 2 * size - slack, `only ${post.stdoutBytes} bytes of stdout were out`);
    assert.ok(post.stderrBytes > size - slack, `only ${post.stderrBytes} bytes of stderr were out`);
  });
});

test('a callback handler gets AWSs deprecation warning at init, an async one does not', async () => {
  const files = {
    'callback.js': 'exports.handler = (event, context, callback) => callback(null, 1);',
    'async.js': 'exports.handler = async (event, context) => { console.log("marker"); return 1; };',
  };
  await withRuntime(files, { handler: 'callback.handler' }, async (api, runtime) => {
    const warning = await runtime.line(/WARN/);
    assert.match(warning, /\tundefined\tWARN\tAWS Lambda plans to remove support for callback-based function handlers/);
  });
  await withRuntime(files, { handler: 'async.handler' }, async (api, runtime) => {
    api.invoke('req-1');
    await api.post();
    await runtime.line(/marker/);
    assert.doesNotMatch(runtime.stdout, /WARN/);
  });
});
