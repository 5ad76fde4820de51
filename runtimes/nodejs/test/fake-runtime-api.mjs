/**
 * A Runtime API for the bootstrap's tests: it hands out queued invocations on 127.0.0.1, records
 * every request the runtime makes, and runs the real bootstrap.mjs against it with a handler
 * written to a temporary task root.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BOOTSTRAP = join(dirname(fileURLToPath(import.meta.url)), '..', 'bootstrap.mjs');
export const NEXT = '/2018-06-01/runtime/invocation/next';
// The node that runs the bootstrap; another version can be tried with BOOTSTRAP_TEST_NODE.
const NODE = process.env.BOOTSTRAP_TEST_NODE || process.execPath;
const WAIT_MS = 10_000;

/** Resolves with the promise's value, or rejects when it takes longer than WAIT_MS. */
export function within(promise, what, ms = WAIT_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A queue whose take() waits for the next item. */
class Queue {
  constructor() {
    this.items = [];
    this.waiters = [];
  }

  put(item) {
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter(item);
    } else {
      this.items.push(item);
    }
  }

  take() {
    return this.items.length ? Promise.resolve(this.items.shift()) : new Promise((r) => this.waiters.push(r));
  }
}

/** The fake API. Queue invocations with invoke(); read what the runtime sent with post(). */
export class FakeRuntimeApi {
  constructor() {
    this.requests = [];
    this.statuses = {}; // path suffix -> status to answer a POST with (default 202)
    this.onPost = null; // called with each POST before it is answered
    this.closeAfterPosts = false; // answer POSTs with Connection: close
    this.invocations = new Queue();
    this.posts = new Queue();
    this.nextCalls = new Queue();
    // A request the runtime abandons (it was killed) is no failure of the test.
    this.server = createServer((request, response) => this.handle(request, response).catch(() => response.destroy()));
    this.server.keepAliveTimeout = 60_000;
  }

  async start() {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return this;
  }

  get address() {
    return `127.0.0.1:${this.server.address().port}`;
  }

  /** Queues an invocation; headers default to what klambda's agent sends. */
  invoke(requestId, event = '{}', headers = {}, { chunked = false } = {}) {
    this.invocations.put({
      requestId,
      body: typeof event === 'string' ? event : JSON.stringify(event),
      headers: {
        'Lambda-Runtime-Deadline-Ms': String(Date.now() + 60_000),
        'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:000000000000:function:fn',
        'Content-Type': 'application/json',
        ...headers,
      },
      chunked,
    });
  }

  /** The next POST the runtime made. */
  post(what = 'a POST from the runtime') {
    return within(this.posts.take(), what);
  }

  /** The next GET .../next the runtime made. */
  nextCall(what = 'the runtime to ask for the next invocation') {
    return within(this.nextCalls.take(), what);
  }

  async handle(request, response) {
    const chunks = [];
    for await (const chunk of request) {
      chunks.push(chunk);
    }
    const record = {
      method: request.method,
      path: request.url,
      headers: request.headers,
      trailers: request.trailers,
      body: Buffer.concat(chunks).toString('utf8'),
      remotePort: request.socket.remotePort,
      stdoutBytes: this.runtime?.stdoutBytes ?? 0,
      stderrBytes: this.runtime?.stderrBytes ?? 0,
      json() {
        return JSON.parse(this.body);
      },
    };
    this.requests.push(record);
    if (request.method === 'GET' && request.url === NEXT) {
      this.nextCalls.put(record);
      const invocation = await this.invocations.take();
      if (invocation === null) {
        response.destroy();
        return;
      }
      response.setHeader('Lambda-Runtime-Aws-Request-Id', invocation.requestId);
      for (const [name, value] of Object.entries(invocation.headers)) {
        response.setHeader(name, value);
      }
      if (invocation.chunked) {
        const middle = Math.floor(invocation.body.length / 2);
        response.write(invocation.body.slice(0, middle));
        response.end(invocation.body.slice(middle));
      } else {
        response.setHeader('Content-Length', Buffer.byteLength(invocation.body));
        response.end(invocation.body);
      }
      return;
    }
    if (request.method === 'POST') {
      await this.onPost?.(record);
      const suffix = Object.keys(this.statuses).find((s) => request.url.endsWith(s));
      const status = suffix ? this.statuses[suffix] : 202;
      const answer = status === 202 ? '{"status":"OK"}' : '{"errorMessage":"no","errorType":"Test"}';
      response.writeHead(status, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(answer),
        ...(this.closeAfterPosts ? { Connection: 'close' } : {}),
      });
      response.end(answer);
      this.posts.put(record);
      return;
    }
    response.writeHead(404).end();
  }

  async close() {
    this.invocations.put(null);
    this.server.closeAllConnections?.();
    this.server.close();
  }
}

/** Writes files (name -> content) into a new temporary task root. */
export function taskRoot(files) {
  const root = mkdtempSync(join(tmpdir(), 'klambda-node-test-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
}

/**
 * bootstrap.mjs running against a FakeRuntimeApi, with stdout and stderr on pipes. `env` adds to
 * (or, with null values, removes from) Lambda's environment; it may be a function of the task root.
 */
export class Runtime {
  constructor(api, root, { handler = 'index.handler', env = {} } = {}) {
    this.root = root;
    this.stdout = '';
    this.stderr = '';
    this.stdoutBytes = 0;
    this.stderrBytes = 0;
    this.watchers = [];
    const environment = {
      PATH: process.env.PATH,
      AWS_LAMBDA_RUNTIME_API: api.address,
      _HANDLER: handler,
      LAMBDA_TASK_ROOT: root,
      LAMBDA_RUNTIME_DIR: dirname(dirname(BOOTSTRAP)),
      AWS_LAMBDA_FUNCTION_NAME: 'fn',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fn',
      AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      NODE_PATH: root,
      TZ: ':UTC',
      ...(typeof env === 'function' ? env(root) : env),
    };
    for (const [name, value] of Object.entries(environment)) {
      if (value === undefined || value === null) {
        delete environment[name];
      }
    }
    api.runtime = this;
    this.process = spawn(NODE, [BOOTSTRAP], { cwd: root, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.stdout.on('data', (chunk) => {
      this.stdoutBytes += chunk.length;
      this.stdout += chunk.toString('utf8');
      this.checkWatchers();
    });
    this.process.stderr.on('data', (chunk) => {
      this.stderrBytes += chunk.length;
      this.stderr += chunk.toString('utf8');
      this.checkWatchers();
    });
    this.exited = new Promise((resolvePromise) => {
      this.process.on('close', (code, signal) => resolvePromise(code ?? signal));
    });
  }

  /** The first stdout line matching the pattern, once it has been read from the pipe. */
  line(pattern) {
    return within(
      new Promise((resolvePromise) => {
        this.watchers.push({ pattern, resolve: resolvePromise });
        this.checkWatchers();
      }),
      `a line matching ${pattern}; stdout so far: ${this.stdout.slice(-2000)}`,
    );
  }

  checkWatchers() {
    this.watchers = this.watchers.filter(({ pattern, resolve }) => {
      const found = this.lines.find((line) => pattern.test(line));
      if (found !== undefined) {
        resolve(found);
      }
      return found === undefined;
    });
  }

  /** The exit code once the runtime has exited. */
  exitCode() {
    return within(this.exited, 'the runtime to exit');
  }

  /** The log lines written to stdout (records are LF-separated; CR joins a record's lines). */
  get lines() {
    return this.stdout.split('\n').filter((line) => line !== '');
  }

  async stop() {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGKILL');
    }
    await this.exited;
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Runs a test body with a started fake API and a runtime for the given task root files. */
export async function withRuntime(files, options, body) {
  const api = await new FakeRuntimeApi().start();
  const runtime = new Runtime(api, taskRoot(files), options);
  try {
    await body(api, runtime);
  } finally {
    await runtime.stop();
    await api.close();
  }
}
