import assert from 'node:assert/strict';
import { test } from 'node:test';

import { NEXT, withRuntime } from './fake-runtime-api.mjs';

test('posts an async handlers result as JSON to the invocations response path', async () => {
  const files = { 'index.js': 'exports.handler = async (event) => ({ echo: event, text: "h\\u00e9" });' };
  await withRuntime(files, {}, async (api) => {
    api.invoke('req-1', { a: [1, 2] });
    const post = await api.post();
    assert.equal(post.method, 'POST');
    assert.equal(post.path, '/2018-06-01/runtime/invocation/req-1/response');
    assert.equal(post.headers['content-type'], 'application/json');
    assert.equal(post.body, '{"echo":{"a":[1,2]},"text":"hé"}');
  });
});

test('an undefined result is posted as null and a string as a JSON string', async () => {
  const files = { 'index.js': 'exports.handler = async (event) => event.text;' };
  await withRuntime(files, {}, async (api) => {
    api.invoke('req-1', {});
    assert.equal((await api.post()).body, 'null');
    api.invoke('req-2', { text: 'plain' });
    assert.equal((await api.post()).body, '"plain"');
  });
});

const moduleFormats = [
  {
    name: 'a CommonJS .js file',
    handler: 'index.handler',
    files: { 'index.js': 'exports.handler = async () => typeof require;' },
    expected: '"function"',
  },
  {
    name: 'an ES module .mjs file',
    handler: 'index.handler',
    files: { 'index.mjs': 'export const handler = async () => typeof require;' },
    expected: '"undefined"',
  },
  {
    name: 'a .js file whose package.json says "type": "module"',
    handler: 'index.handler',
    files: { 'package.json': '{"type":"module"}', 'index.js': 'export const handler = async () => typeof require;' },
    expected: '"undefined"',
  },
  {
    name: 'a .cjs file',
    handler: 'index.handler',
    files: { 'index.cjs': 'module.exports.handler = async () => "cjs file";' },
    expected: '"cjs file"',
  },
  {
    name: 'a module in a subfolder',
    handler: 'src/handlers/app.lambdaHandler',
    files: { 'src/handlers/app.js': 'exports.lambdaHandler = async () => "nested path";' },
    expected: '"nested path"',
  },
  {
    name: 'a nested export',
    handler: 'index.api.v1.handler',
    files: { 'index.js': 'exports.api = { v1: { handler: async () => "nested export" } };' },
    expected: '"nested export"',
  },
  {
    name: 'a package found through NODE_PATH, as in a layer',
    handler: 'shared.handler',
    files: { 'opt/nodejs/node_modules/shared/index.js': 'exports.handler = async () => "from a layer";' },
    env: (root) => ({ NODE_PATH: `${root}/opt/nodejs/node_modules:${root}` }),
    expected: '"from a layer"',
  },
];

for (const { name, handler, files, env, expected } of moduleFormats) {
  test(`loads the handler from ${name}`, async () => {
    await withRuntime(files, { handler, env }, async (api, runtime) => {
      api.invoke('req-1');
      const post = await api.post();
      assert.equal(post.path, '/2018-06-01/runtime/invocation/req-1/response', runtime.stdout + runtime.stderr);
      assert.equal(post.body, expected);
    });
  });
}

test('a callback handler answers with the value it calls back with', async () => {
  const files = { 'index.js': 'exports.handler = (event, context, callback) => callback(null, { got: event.n });' };
  await withRuntime(files, {}, async (api) => {
    api.invoke('req-1', { n: 7 });
    const post = await api.post();
    assert.equal(post.path, '/2018-06-01/runtime/invocation/req-1/response');
    assert.equal(post.body, '{"got":7}');
  });
});

test('the context has the members and types of AWSs context object', async () => {
  const files = {
    'index.js': `exports.handler = async (event, context) => ({
      json: JSON.parse(JSON.stringify(context)),
      keys: Object.keys(context),
      types: Object.fromEntries(Object.keys(context).map((k) => [k, typeof context[k]])),
      remaining: context.getRemainingTimeInMillis(),
      identity: context.identity,
      clientContext: context.clientContext,
    });`,
  };
  await withRuntime(files, {}, async (api) => {
    const deadline = Date.now() + 30_000;
    api.invoke('req-1', {}, {
      'Lambda-Runtime-Deadline-Ms': String(deadline),
      'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:000000000000:function:fn:live',
      'Lambda-Runtime-Cognito-Identity': '{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}',
      'Lambda-Runtime-Client-Context': '{"client":{"app_title":"app"},"custom":{"k":"v"},"env":{}}',
    });
    const result = (await api.post()).json();
    assert.deepEqual(result.json, {
      callbackWaitsForEmptyEventLoop: true,
      functionVersion: '$LATEST',
      functionName: 'fn',
      memoryLimitInMB: '256',
      logGroupName: '/aws/lambda/fn',
      logStreamName: '2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
      clientContext: { client: { app_title: 'app' }, custom: { k: 'v' }, env: {} },
      identity: { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' },
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn:live',
      awsRequestId: 'req-1',
    });
    assert.deepEqual(result.keys, [
      'callbackWaitsForEmptyEventLoop', 'succeed', 'fail', 'done', 'functionVersion', 'functionName',
      'memoryLimitInMB', 'logGroupName', 'logStreamName', 'clientContext', 'identity', 'invokedFunctionArn',
      'awsRequestId', 'tenantId', 'getRemainingTimeInMillis',
    ]);
    assert.equal(result.types.memoryLimitInMB, 'string');
    assert.equal(result.types.getRemainingTimeInMillis, 'function');
    assert.equal(result.types.succeed, 'function');
    assert.equal(result.types.tenantId, 'undefined');
    assert.ok(result.remaining > 20_000 && result.remaining <= 30_000, `remaining ${result.remaining}`);
  });
});

test('without optional headers identity and clientContext are undefined', async () => {
  const files = {
    'index.js': 'exports.handler = async (e, context) => [context.identity === undefined, context.clientContext === undefined];',
  };
  await withRuntime(files, {}, async (api) => {
    api.invoke('req-1');
    assert.equal((await api.post()).body, '[true,true]');
  });
});

test('_X_AMZN_TRACE_ID is set for an invocation that has a trace id and removed for one that has none', async () => {
  const files = { 'index.js': 'exports.handler = async () => process.env._X_AMZN_TRACE_ID ?? "unset";' };
  await withRuntime(files, {}, async (api) => {
    const trace = 'Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1';
    api.invoke('req-1', {}, { 'Lambda-Runtime-Trace-Id': trace });
    assert.equal((await api.post()).body, JSON.stringify(trace));
    api.invoke('req-2');
    assert.equal((await api.post()).body, '"unset"');
  });
});

test('a callback waits for the event loop to be empty before the result is taken and posted', async () => {
  const files = {
    'index.js': `exports.handler = (event, context, callback) => {
      const result = { timerRan: false };
      setTimeout(() => { result.timerRan = true; }, 200);
      callback(null, result);
    };`,
  };
  await withRuntime(files, {}, async (api) => {
    api.invoke('req-1');
    assert.equal((await api.post()).body, '{"timerRan":true}');
  });
});

test('with callbackWaitsForEmptyEventLoop false a callback answers at once', async () => {
  const files = {
    'index.js': `exports.handler = (event, context, callback) => {
      context.callbackWaitsForEmptyEventLoop = false;
      const result = { timerRan: false, waits: context.callbackWaitsForEmptyEventLoop };
      setTimeout(() => { result.timerRan = true; }, 3_000);
      callback(null, result);
    };`,
  };
  await withRuntime(files, {}, async (api) => {
    api.invoke('req-1');
    assert.equal((await api.post()).body, '{"timerRan":false,"waits":false}');
  });
});

test('a handler that returns without calling back answers null once the event loop is empty', async () => {
  const files = { 'index.js': 'exports.handler = (event, context, callback) => { setTimeout(() => {}, 50); };' };
  await withRuntime(files, {}, async (api) => {
    api.invoke('req-1');
    const post = await api.post();
    assert.equal(post.path, '/2018-06-01/runtime/invocation/req-1/response');
    assert.equal(post.body, 'null');
  });
});

test('an async handler whose promise never settles fails with Runtime.NodeJsExit', async () => {
  const files = { 'index.js': 'exports.handler = async () => new Promise(() => {});' };
  await withRuntime(files, {}, async (api, runtime) => {
    api.invoke('req-1');
    const post = await api.post();
    assert.equal(post.path, '/2018-06-01/runtime/invocation/req-1/error');
    assert.equal(post.json().errorType, 'Runtime.NodeJsExit');
    assert.match(post.json().errorMessage, /^The Lambda runtime client detected an unexpected Node.js exit code/);
    assert.match(await runtime.line(/Invoke Error/), /\treq-1\tERROR\tInvoke Error \t\{"errorType":"Runtime.NodeJsExit"/);
    api.invoke('req-2');
    assert.equal((await api.post()).path, '/2018-06-01/runtime/invocation/req-2/error');
  });
});

test('context.succeed, context.done and context.fail answer at once, and only the first call counts', async () => {
  const files = {
    'index.js': `exports.handler = (event, context, callback) => {
      setTimeout(() => {}, 3_000);
      if (event.how === 'succeed') { context.succeed('ok'); context.fail(new Error('ignored')); }
      if (event.how === 'done') { context.done(null, { done: true }); callback(null, 'ignored'); }
      if (event.how === 'fail') { context.fail(new Error('failed')); context.succeed('ignored'); }
    };`,
  };
  await withRuntime(files, {}, async (api) => {
    api.invoke('req-1', { how: 'succeed' });
    assert.equal((await api.post()).body, '"ok"');
    api.invoke('req-2', { how: 'done' });
    assert.equal((await api.post()).body, '{"done":true}');
    api.invoke('req-3', { how: 'fail' });
    const failed = await api.post();
    assert.equal(failed.path, '/2018-06-01/runtime/invocation/req-3/error');
    assert.equal(failed.json().errorMessage, 'failed');
    api.invoke('req-4', { how: 'succeed' });
    assert.equal((await api.post()).path, '/2018-06-01/runtime/invocation/req-4/response');
  });
});

test('all requests share one kept-alive connection', async () => {
  const files = { 'index.js': 'exports.handler = async (event) => event;' };
  await withRuntime(files, {}, async (api) => {
    for (const id of ['req-1', 'req-2', 'req-3']) {
      api.invoke(id, { id });
      assert.equal((await api.post()).body, JSON.stringify({ id }));
    }
    for (let call = 0; call < 4; call++) {
      await api.nextCall();
    }
    const ports = new Set(api.requests.map((request) => request.remotePort));
    assert.equal(api.requests.filter((request) => request.path === NEXT).length, 4);
    assert.equal(ports.size, 1, `ports ${[...ports]}`);
  });
});

test('a connection the API closes is replaced by a new one', async () => {
  const files = { 'index.js': 'exports.handler = async (event) => event.n;' };
  await withRuntime(files, {}, async (api) => {
    api.closeAfterPosts = true;
    api.invoke('req-1', { n: 1 });
    assert.equal((await api.post()).body, '1');
    api.invoke('req-2', { n: 2 });
    assert.equal((await api.post()).body, '2');
    const [first, second] = api.requests.filter((request) => request.path === NEXT);
    assert.notEqual(first.remotePort, second.remotePort);
  });
});

test('reads a chunked next response', async () => {
  const files = { 'index.js': 'exports.handler = async (event) => event.text.length;' };
  await withRuntime(files, {}, async (api) => {
    api.invoke('req-1', { text: 'x'.repeat(200_000) }, {}, { chunked: true });
    assert.equal((await api.post()).body, '200000');
  });
});

test('the request id is encoded in the path', async () => {
  const files = { 'index.js': 'exports.handler = async () => 1;' };
  await withRuntime(files, {}, async (api) => {
    api.invoke('id with/slash');
    assert.equal((await api.post()).path, '/2018-06-01/runtime/invocation/id%20with%2Fslash/response');
  });
});
