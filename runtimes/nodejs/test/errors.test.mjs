import assert from 'node:assert/strict';
import { test } from 'node:test';

import { withRuntime } from './fake-runtime-api.mjs';

const ERROR_TYPE = 'lambda-runtime-function-error-type';

test('a thrown error is posted as AWSs Node error document with its type in the header', async () => {
  const files = { 'index.js': 'exports.handler = async () => { throw new Error("boom"); };' };
  await withRuntime(files, {}, async (api, runtime) => {
    api.invoke('req-1');
    const post = await api.post();
    assert.equal(post.path, '/2018-06-01/runtime/invocation/req-1/error');
    assert.equal(post.headers[ERROR_TYPE], 'Error');
    assert.equal(post.headers['content-type'], 'application/json');
    const document = post.json();
    assert.deepEqual(Object.keys(document), ['errorType', 'errorMessage', 'trace']);
    assert.equal(document.errorType, 'Error');
    assert.equal(document.errorMessage, 'boom');
    assert.equal(document.trace[0], 'Error: boom');
    assert.match(document.trace[1], /^ {4}at .*index\.js:1:/);
    const logged = await runtime.line(/Invoke Error/);
    assert.match(logged, /^\S+\treq-1\tERROR\tInvoke Error \t\{"errorType":"Error","errorMessage":"boom","stack":\["Error: boom",/);
  });
});

test('a rejected promise and an error passed to the callback are reported the same way', async () => {
  const files = {
    'index.js': `class ValidationError extends Error { constructor(m) { super(m); this.name = 'ValidationError'; } }
      exports.handler = (event, context, callback) => {
        if (event.callback) { callback(new ValidationError('bad input')); return; }
        return Promise.reject(new ValidationError('bad promise'));
      };`,
  };
  await withRuntime(files, { env: { AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING: '1' } }, async (api) => {
    api.invoke('req-1', { callback: true });
    const viaCallback = await api.post();
    assert.equal(viaCallback.headers[ERROR_TYPE], 'ValidationError');
    assert.deepEqual([viaCallback.json().errorType, viaCallback.json().errorMessage], ['ValidationError', 'bad input']);
    api.invoke('req-2', { callback: false });
    const viaPromise = await api.post();
    assert.equal(viaPromise.path, '/2018-06-01/runtime/invocation/req-2/error');
    assert.deepEqual([viaPromise.json().errorType, viaPromise.json().errorMessage], ['ValidationError', 'bad promise']);
  });
});

const nonErrors = [
  { name: 'a thrown string', code: 'throw "plain failure";', document: { errorType: 'string', errorMessage: 'plain failure', trace: [] } },
  { name: 'a rejection with undefined', code: 'return Promise.reject(undefined);', document: { errorType: 'string', errorMessage: 'handled', trace: [] } },
  { name: 'a rejection with a number', code: 'return Promise.reject(42);', document: { errorType: 'number', errorMessage: '42', trace: [] } },
  { name: 'a thrown plain object', code: 'throw { code: 1 };', document: { errorType: 'object', errorMessage: '[object Object]', trace: [] } },
  {
    name: 'an error-like object',
    code: 'throw { name: "Custom", message: "like an error", stack: "Custom: like an error\\n    at somewhere" };',
    document: { errorType: 'Custom', errorMessage: 'like an error', trace: ['Custom: like an error', '    at somewhere'] },
  },
];

for (const { name, code, document } of nonErrors) {
  test(`${name} is reported as AWSs client reports it`, async () => {
    const files = { 'index.js': `exports.handler = function (event, context) { ${code} };` };
    await withRuntime(files, {}, async (api) => {
      api.invoke('req-1');
      const post = await api.post();
      assert.equal(post.path, '/2018-06-01/runtime/invocation/req-1/error');
      assert.deepEqual(post.json(), document);
      assert.equal(post.headers[ERROR_TYPE], document.errorType);
    });
  });
}

test('a result that cannot be serialised is reported as AWSs client reports it', async () => {
  const files = {
    'index.js': `exports.handler = async (event) => {
      if (event.kind === 'circular') { const a = {}; a.self = a; return a; }
      return { n: 10n };
    };`,
  };
  await withRuntime(files, {}, async (api) => {
    for (const kind of ['circular', 'bigint']) {
      api.invoke(`req-${kind}`, { kind });
      const post = await api.post();
      assert.equal(post.path, `/2018-06-01/runtime/invocation/req-${kind}/error`);
      assert.equal(post.json().errorType, 'Error');
      assert.equal(post.json().errorMessage, 'Unable to stringify response body');
    }
  });
});

test('an event that is not JSON fails the invocation with a SyntaxError', async () => {
  const files = { 'index.js': 'exports.handler = async () => "unreachable";' };
  await withRuntime(files, {}, async (api) => {
    api.invoke('req-1', 'not json');
    const post = await api.post();
    assert.equal(post.path, '/2018-06-01/runtime/invocation/req-1/error');
    assert.equal(post.json().errorType, 'SyntaxError');
  });
});

test('the runtime keeps serving after a handler error', async () => {
  const files = { 'index.js': 'exports.handler = async (event) => { if (event.fail) throw new Error("no"); return "yes"; };' };
  await withRuntime(files, {}, async (api) => {
    api.invoke('req-1', { fail: true });
    assert.equal((await api.post()).path, '/2018-06-01/runtime/invocation/req-1/error');
    api.invoke('req-2', { fail: false });
    const post = await api.post();
    assert.equal(post.path, '/2018-06-01/runtime/invocation/req-2/response');
    assert.equal(post.body, '"yes"');
  });
});

const initErrors = [
  {
    name: 'a missing module',
    handler: 'index.handler',
    files: { 'other.js': '' },
    errorType: 'Runtime.ImportModuleError',
    message: /^Error: Cannot find module 'index'\nRequire stack:\n- /,
  },
  {
    name: 'a missing dependency of the module',
    handler: 'index.handler',
    files: { 'index.js': 'require("not-installed"); exports.handler = async () => 1;' },
    errorType: 'Runtime.ImportModuleError',
    message: /^Error: Cannot find module 'not-installed'\nRequire stack:\n- .*index\.js\n/,
  },
  {
    name: 'a handler that is not exported',
    handler: 'index.handler',
    files: { 'index.js': 'exports.other = async () => 1;' },
    errorType: 'Runtime.HandlerNotFound',
    message: /^index\.handler is undefined or not exported$/,
  },
  {
    name: 'a handler that is not a function',
    handler: 'index.handler',
    files: { 'index.js': 'exports.handler = "text";' },
    errorType: 'Runtime.HandlerNotFound',
    message: /^index\.handler is not a function$/,
  },
  {
    name: 'a handler name without a dot',
    handler: 'index',
    files: { 'index.js': '' },
    errorType: 'Runtime.MalformedHandlerName',
    message: /^Bad handler$/,
  },
  {
    name: 'a handler name that climbs out of the task root',
    handler: '../index.handler',
    files: { 'index.js': '' },
    errorType: 'Runtime.MalformedHandlerName',
    message: /^'\.\.\/index\.handler' is not a valid handler name\. Use absolute paths/,
  },
  {
    name: 'a syntax error in CommonJS',
    handler: 'index.handler',
    files: { 'index.js': 'exports.handler = async () => {' },
    errorType: 'Runtime.UserCodeSyntaxError',
    message: /^SyntaxError: /,
  },
  {
    name: 'a syntax error in an ES module',
    handler: 'index.handler',
    files: { 'index.mjs': 'export const handler = async () => {' },
    errorType: 'Runtime.UserCodeSyntaxError',
    message: /^SyntaxError: /,
  },
  {
    name: 'an error thrown while the module loads',
    handler: 'index.handler',
    files: { 'index.js': 'throw new TypeError("bad config");' },
    errorType: 'TypeError',
    message: /^bad config$/,
  },
];

for (const { name, handler, files, errorType, message } of initErrors) {
  test(`${name} is posted as an init error of type ${errorType} and the runtime exits with 129`, async () => {
    await withRuntime(files, { handler }, async (api, runtime) => {
      const post = await api.post();
      assert.equal(post.path, '/2018-06-01/runtime/init/error');
      assert.equal(post.headers[ERROR_TYPE], errorType);
      const document = post.json();
      assert.equal(document.errorType, errorType);
      assert.match(document.errorMessage, message);
      assert.ok(Array.isArray(document.trace) && document.trace.length > 1);
      assert.equal(await runtime.exitCode(), 129);
      assert.match(runtime.stdout, new RegExp(`\\tundefined\\tERROR\\tUncaught Exception \\t\\{"errorType":"${errorType}"`));
      assert.equal(api.requests.filter((request) => request.method === 'GET').length, 0);
    });
  });
}

test('an unhandled rejection while the module loads is an init error and the runtime exits with 128', async () => {
  const files = { 'index.js': 'Promise.reject(new Error("early")); exports.handler = async () => 1;' };
  await withRuntime(files, {}, async (api, runtime) => {
    const post = await api.post();
    assert.equal(post.path, '/2018-06-01/runtime/init/error');
    assert.equal(post.json().errorType, 'Runtime.UnhandledPromiseRejection');
    assert.equal(post.json().errorMessage, 'Error: early');
    assert.equal(await runtime.exitCode(), 128);
  });
});

test('an uncaught exception during an invocation fails it and the runtime exits with 129', async () => {
  const files = {
    'index.js': `exports.handler = async () => {
      setTimeout(() => { throw new RangeError('from a timer'); }, 0);
      return new Promise(() => {});
    };`,
  };
  await withRuntime(files, {}, async (api, runtime) => {
    api.invoke('req-1');
    const post = await api.post();
    assert.equal(post.path, '/2018-06-01/runtime/invocation/req-1/error');
    assert.equal(post.headers[ERROR_TYPE], 'RangeError');
    assert.deepEqual([post.json().errorType, post.json().errorMessage], ['RangeError', 'from a timer']);
    assert.equal(await runtime.exitCode(), 129);
    assert.match(await runtime.line(/Uncaught Exception/), /\treq-1\tERROR\tUncaught Exception \t\{"errorType":"RangeError","errorMessage":"from a timer"/);
  });
});

test('an unhandled rejection during an invocation fails it and the runtime exits with 128', async () => {
  const files = {
    'index.js': `exports.handler = (event, context, callback) => {
      Promise.reject(new Error('forgotten'));
      setTimeout(() => callback(null, 'late'), 1000);
    };`,
  };
  await withRuntime(files, { env: { AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING: '1' } }, async (api, runtime) => {
    api.invoke('req-1');
    const post = await api.post();
    assert.equal(post.path, '/2018-06-01/runtime/invocation/req-1/error');
    assert.equal(post.headers[ERROR_TYPE], 'Runtime.UnhandledPromiseRejection');
    assert.deepEqual(
      [post.json().errorType, post.json().errorMessage],
      ['Runtime.UnhandledPromiseRejection', 'Error: forgotten'],
    );
    assert.equal(await runtime.exitCode(), 128);
    assert.match(
      runtime.stdout,
      /\treq-1\tERROR\tUnhandled Promise Rejection \t\{"errorType":"Runtime.UnhandledPromiseRejection","errorMessage":"Error: forgotten","reason":\{"errorType":"Error"/,
    );
  });
});

test('a 413 for a response is logged and the loop goes on', async () => {
  const files = { 'index.js': 'exports.handler = async (event) => event.n;' };
  await withRuntime(files, {}, async (api, runtime) => {
    api.statuses['req-1/response'] = 413;
    api.invoke('req-1', { n: 1 });
    await api.post();
    api.invoke('req-2', { n: 2 });
    const post = await api.post();
    assert.equal(post.path, '/2018-06-01/runtime/invocation/req-2/response');
    assert.match(runtime.stderr, /the Runtime API answered 413 to POST \/2018-06-01\/runtime\/invocation\/req-1\/response/);
  });
});

test('a server error for a response stops the runtime', async () => {
  const files = { 'index.js': 'exports.handler = async () => 1;' };
  await withRuntime(files, {}, async (api, runtime) => {
    api.statuses['/response'] = 500;
    api.invoke('req-1');
    await api.post();
    assert.equal(await runtime.exitCode(), 1);
    assert.match(runtime.stderr, /answered 500/);
  });
});
