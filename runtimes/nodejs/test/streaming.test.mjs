import assert from 'node:assert/strict';
import { test } from 'node:test';

import { withRuntime } from './fake-runtime-api.mjs';

test('a streamified handler streams its response as a chunked POST in streaming mode', async () => {
  const files = {
    'index.js': `exports.handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
      responseStream.write('hello ');
      responseStream.write({ n: 1 });
      responseStream.end(context.awsRequestId);
    });`,
  };
  await withRuntime(files, {}, async (api) => {
    api.invoke('req-1');
    const post = await api.post();
    assert.equal(post.path, '/2018-06-01/runtime/invocation/req-1/response');
    assert.equal(post.headers['lambda-runtime-function-response-mode'], 'streaming');
    assert.equal(post.headers['transfer-encoding'], 'chunked');
    assert.equal(post.headers['content-type'], 'application/octet-stream');
    assert.equal(post.body, 'hello {"n":1}req-1');
    api.invoke('req-2');
    assert.equal((await api.post()).body, 'hello {"n":1}req-2');
  });
});

test('HttpResponseStream.from writes the JSON prelude and eight NUL bytes before the body', async () => {
  const files = {
    'index.mjs': `export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
      const stream = awslambda.HttpResponseStream.from(responseStream, { statusCode: 201, headers: { 'x-a': 'b' } });
      stream.write('body');
      stream.end();
    });`,
  };
  await withRuntime(files, {}, async (api) => {
    api.invoke('req-1');
    const post = await api.post();
    assert.equal(post.headers['content-type'], 'application/vnd.awslambda.http-integration-response');
    assert.equal(post.body, `{"statusCode":201,"headers":{"x-a":"b"}}${'\0'.repeat(8)}body`);
  });
});

test('a streamed response that fails carries the error document in the trailers', async () => {
  const files = {
    'index.js': `exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
      responseStream.write('partial');
      throw new Error('mid-stream');
    });`,
  };
  await withRuntime(files, {}, async (api, runtime) => {
    api.invoke('req-1');
    const post = await api.post();
    assert.equal(post.body, 'partial');
    assert.equal(post.trailers['lambda-runtime-function-error-type'], 'Error');
    const document = JSON.parse(Buffer.from(post.trailers['lambda-runtime-function-error-body'], 'base64').toString());
    assert.equal(document.errorType, 'Error');
    assert.equal(document.errorMessage, 'mid-stream');
    assert.equal(document.trace[0], 'Error: mid-stream');
    assert.match(await runtime.line(/Invoke Error/), /\treq-1\tERROR\tInvoke Error \t\{"errorType":"Error","errorMessage":"mid-stream"/);
  });
});

test('a streaming handler that is not async fails as in AWSs runtime', async () => {
  const files = { 'index.js': 'exports.handler = awslambda.streamifyResponse((event, responseStream) => {});' };
  await withRuntime(files, {}, async (api) => {
    api.invoke('req-1');
    const post = await api.post();
    assert.equal(post.trailers['lambda-runtime-function-error-type'], 'string');
    const document = JSON.parse(Buffer.from(post.trailers['lambda-runtime-function-error-body'], 'base64').toString());
    assert.deepEqual(document, { errorType: 'string', errorMessage: 'Streaming does not support non-async handlers.', trace: [] });
  });
});
