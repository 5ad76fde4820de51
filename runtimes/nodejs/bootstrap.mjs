/**
 * klambda's runtime client for Node.js functions.
 *
 * klambda's agent starts it as `node bootstrap.mjs` in the function's task root. It loads the
 * handler named by `_HANDLER` and serves invocations over the Lambda Runtime API at
 * `AWS_LAMBDA_RUNTIME_API` so that, seen from outside, it behaves like AWS's Node.js runtime
 * interface client (the code behind the nodejs18.x-nodejs22.x runtimes): the same handler lookup,
 * context object, callback and event-loop semantics, error documents, exit codes and log lines.
 *
 * Start-up time is the budget that matters, so only module, fs, net, path and util are loaded up
 * front (the last four through require, which skips building ES module namespaces for them), HTTP
 * is spoken directly over one kept-alive socket (each request written in one piece, Nagle off),
 * and `url` and `stream` are loaded only when a handler needs them. Log lines are written
 * synchronously, and process.stdout/stderr are made blocking when first used, so whatever an
 * invocation printed is in the pipe before its response is posted.
 */

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { existsSync, readFileSync, writeSync } = require('node:fs');
const { connect } = require('node:net');
const { basename, dirname, join, resolve } = require('node:path');
const { format, types } = require('node:util');

const RUNTIME_PATH = '/2018-06-01/runtime';
// The global slots AWS's client keeps its state in; tools read the request id from the first one.
const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');
const TENANT_ID = Symbol.for('aws.lambda.runtime.tenantId');
const BEFORE_EXIT = Symbol.for('aws.lambda.beforeExit');
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAM_RESPONSE = 'response';

const NODE_JS_EXIT_MESSAGE =
  'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise ' +
  'that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes';
const CALLBACK_WARNING =
  'AWS Lambda plans to remove support for callback-based function handlers starting with Node.js 24. You will ' +
  'need to update this function to use an async handler to use Node.js 24 or later. For more information and to ' +
  'provide feedback on this change, see https://github.com/aws/aws-lambda-nodejs-runtime-interface-client/issues/137. ' +
  'To disable this warning, set the AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING environment variable.';
const UNSERIALISABLE_ERROR_MESSAGE =
  'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack';

// ---------------------------------------------------------------------------------------------
// Output

let pauseCell;

/** Writes text to a descriptor completely before returning. */
function writeOut(fd, text) {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      if (error.code !== 'EAGAIN') {
        return; // the reader is gone; there is nobody to tell
      }
      // Somebody made the descriptor non-blocking: wait for the reader rather than drop the line.
      pauseCell ??= new Int32Array(new SharedArrayBuffer(4));
      Atomics.wait(pauseCell, 0, 0, 1);
    }
  }
}

/**
 * Node writes to a pipe asynchronously on POSIX, so a line printed just before the handler returns
 * could still sit in the process when the response is posted. The stream is created on first use;
 * making its descriptor blocking at that moment makes every later write complete in place.
 */
function makeBlockingOnFirstUse(name) {
  const original = Object.getOwnPropertyDescriptor(process, name);
  if (!original?.get || !original.configurable) {
    return;
  }
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: original.enumerable,
    get() {
      Object.defineProperty(process, name, original);
      const stream = original.get.call(process);
      stream?._handle?.setBlocking?.(true);
      return stream;
    },
  });
}

/** A message of the runtime itself, not of the function, on stderr. */
function say(message) {
  writeOut(2, `klambda bootstrap: ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// Logging: console methods write Lambda's log lines, tagged with the current request id.

const LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
const JSON_LOGS = process.env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';

function textRecord(level, message, params) {
  return `${new Date().toISOString()}\t${globalThis[REQUEST_ID]}\t${level}\t${format(message, ...params)}`;
}

/** JSON.stringify replacer that shows an error's type, message and stack, which are not enumerable. */
function errorFieldsForJsonLogs(_key, value) {
  if (value instanceof Error) {
    return Object.assign(
      {
        errorType: value?.constructor?.name ?? 'UnknownError',
        errorMessage: value.message,
        stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
      },
      value,
    );
  }
  return value;
}

function jsonRecord(level, message, params) {
  const record = { timestamp: new Date().toISOString(), level, requestId: globalThis[REQUEST_ID] };
  const tenantId = globalThis[TENANT_ID];
  if (tenantId !== undefined && tenantId !== null) {
    record.tenantId = tenantId;
  }
  if (params.length === 0) {
    record.message = message;
    try {
      return JSON.stringify(record, errorFieldsForJsonLogs);
    } catch {
      record.message = format(record.message);
      return JSON.stringify(record);
    }
  }
  record.message = format(message, ...params);
  for (const param of [message, ...params]) {
    if (param instanceof Error) {
      record.errorType = param?.constructor?.name ?? 'UnknownError';
      record.errorMessage = param.message;
      record.stackTrace = typeof param.stack === 'string' ? param.stack.split('\n') : [];
      break;
    }
  }
  return JSON.stringify(record);
}

function emit(level, message, params) {
  const record = (JSON_LOGS ? jsonRecord : textRecord)(level, message, params);
  // One record per line: a reader splitting on LF keeps a multi-line message together.
  writeOut(1, record.replace(/\n/g, '\r') + '\n');
}

function patchConsole() {
  const threshold = LEVELS[process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? LEVELS.TRACE;
  const method = (level) =>
    LEVELS[level] >= threshold ? (message, ...params) => emit(level, message, params) : () => {};
  console.trace = method('TRACE');
  console.debug = method('DEBUG');
  console.info = method('INFO');
  console.log = console.info;
  console.warn = method('WARN');
  console.error = method('ERROR');
  console.fatal = (message, ...params) => emit('FATAL', message, params);
}

/** Logs a failure the way AWS's client does, e.g. `ERROR\tInvoke Error \t{...}`. */
function logError(label, error) {
  if (JSON_LOGS) {
    console.error(intoError(error));
  } else {
    console.error(label, formatted(intoError(error)));
  }
}

// ---------------------------------------------------------------------------------------------
// Errors

class ImportModuleError extends Error {}
class HandlerNotFound extends Error {}
class MalformedHandlerName extends Error {}
class UserCodeSyntaxError extends Error {}
class MalformedStreamingHandler extends Error {}
class InvalidStreamingOperation extends Error {}
class NodeJsExit extends Error {
  constructor() {
    super(NODE_JS_EXIT_MESSAGE);
  }
}
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
for (const type of [
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  MalformedStreamingHandler,
  InvalidStreamingOperation,
  NodeJsExit,
  UnhandledPromiseRejection,
]) {
  type.prototype.name = `Runtime.${type.name}`;
}

function intoError(value) {
  return value instanceof Error ? value : new Error(value);
}

function looksLikeError(value) {
  return (
    value &&
    value.name &&
    value.message &&
    value.stack &&
    typeof value.name === 'string' &&
    typeof value.message === 'string' &&
    typeof value.stack === 'string'
  );
}

/** The error document posted to the Runtime API: errorType, errorMessage and `trace`. */
function errorDocument(error) {
  try {
    if (types.isNativeError(error) || looksLikeError(error)) {
      return {
        errorType: error.name?.replaceAll('\x7F', '%7F'),
        errorMessage: error.message?.replaceAll('\x7F', '%7F'),
        trace: error.stack.replaceAll('\x7F', '%7F').split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch {
    return { errorType: 'handled', errorMessage: UNSERIALISABLE_ERROR_MESSAGE };
  }
}

function withEnumerableProperties(value) {
  if (value instanceof Error) {
    const fields = Object.assign({ errorType: value.name, errorMessage: value.message, code: value.code }, value);
    if (typeof value.stack === 'string') {
      fields.stack = value.stack.split('\n');
    }
    return fields;
  }
  return value;
}

/** An error as the text log shows it: a tab, then JSON with its type, message, own fields and stack. */
function formatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_key, value) => withEnumerableProperties(value));
  } catch {
    return '\t' + JSON.stringify(errorDocument(error));
  }
}

// ---------------------------------------------------------------------------------------------
// Runtime API client: HTTP/1.1 over kept-alive sockets.

/** Reads one HTTP/1.1 response from the bytes of a connection (Content-Length, chunked or to close). */
class ResponseReader {
  constructor() {
    this.state = 'head';
    this.pending = null;
    this.chunks = [];
    this.remaining = 0;
    this.status = 0;
    this.headers = {};
    this.keepAlive = true;
  }

  /** Takes the next bytes; returns the response once complete, else null. */
  push(chunk) {
    const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let at = 0;
    for (;;) {
      switch (this.state) {
        case 'head': {
          const end = data.indexOf('\r\n\r\n', at);
          if (end < 0) {
            if (data.length - at > 1 << 20) {
              throw new Error('the Runtime API sent an oversized response head');
            }
            return this.keep(data, at);
          }
          this.readHead(data.toString('utf8', at, end));
          at = end + 4;
          break;
        }
        case 'length':
        case 'data': {
          const take = Math.min(this.remaining, data.length - at);
          if (take > 0) {
            this.chunks.push(data.subarray(at, at + take));
            at += take;
            this.remaining -= take;
          }
          if (this.remaining > 0) {
            return null;
          }
          if (this.state === 'length') {
            return this.response();
          }
          this.state = 'data-end';
          break;
        }
        case 'size': {
          const end = data.indexOf('\r\n', at);
          if (end < 0) {
            return this.keep(data, at);
          }
          const size = parseInt(data.toString('latin1', at, end), 16);
          if (!(size >= 0)) {
            throw new Error('the Runtime API sent a malformed chunk');
          }
          at = end + 2;
          this.remaining = size;
          this.state = size === 0 ? 'trailers' : 'data';
          break;
        }
        case 'data-end': {
          if (data.length - at < 2) {
            return this.keep(data, at);
          }
          at += 2;
          this.state = 'size';
          break;
        }
        case 'trailers': {
          const end = data.indexOf('\r\n', at);
          if (end < 0) {
            return this.keep(data, at);
          }
          const last = end === at;
          at = end + 2;
          if (last) {
            return this.response();
          }
          break;
        }
        default: {
          // 'close': the body runs to the end of the connection
          if (at < data.length) {
            this.chunks.push(data.subarray(at));
          }
          return null;
        }
      }
    }
  }

  /** The response when the connection closed, if its body was meant to end there. */
  atClose() {
    return this.state === 'close' ? this.response() : null;
  }

  keep(data, at) {
    this.pending = at < data.length ? data.subarray(at) : null;
    return null;
  }

  readHead(text) {
    const lines = text.split('\r\n');
    const statusLine = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0]);
    if (!statusLine) {
      throw new Error(`the Runtime API sent something that is not an HTTP response: ${lines[0].slice(0, 100)}`);
    }
    const status = Number(statusLine[2]);
    if (status < 200) {
      return; // an interim response such as 100 Continue; the real one follows
    }
    const headers = {};
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(':');
      if (colon > 0) {
        const name = lines[i].slice(0, colon).trim().toLowerCase();
        const value = lines[i].slice(colon + 1).trim();
        headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
      }
    }
    this.status = status;
    this.headers = headers;
    const connection = (headers.connection ?? '').toLowerCase();
    this.keepAlive = statusLine[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    if ((headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked')) {
      this.state = 'size';
    } else if (headers['content-length'] !== undefined) {
      this.remaining = Number(headers['content-length']);
      if (!Number.isSafeInteger(this.remaining) || this.remaining < 0) {
        throw new Error('the Runtime API sent a malformed Content-Length');
      }
      this.state = 'length';
    } else if (status === 204 || status === 304) {
      this.state = 'length';
    } else {
      this.state = 'close';
      this.keepAlive = false;
    }
  }

  response() {
    const body = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    return { status: this.status, headers: this.headers, body, keepAlive: this.keepAlive };
  }
}

/**
 * One connection to the Runtime API carrying one request at a time. The socket holds the event
 * loop open only while a request is under way: between requests the function's own work decides
 * when the loop is empty, which is what callbackWaitsForEmptyEventLoop waits for.
 */
class Connection {
  constructor(host, port) {
    this.open = true;
    this.connected = false;
    this.used = false;
    this.exchange = null;
    this.socket = connect({ host, port, noDelay: true });
    this.socket.unref();
    this.socket.on('connect', () => {
      this.connected = true;
    });
    this.socket.on('data', (chunk) => this.received(chunk));
    this.socket.on('error', (error) => this.closed(error));
    this.socket.on('close', () => this.closed(null));
  }

  /** Sends a request, head and body in one write, and resolves with the response. */
  request(head, body) {
    const response = this.expect();
    if (this.open) {
      this.socket.cork();
      this.socket.write(head);
      if (body !== null) {
        this.socket.write(body);
      }
      this.socket.uncork();
    }
    return response;
  }

  /** Waits for the response to a request the caller writes itself. */
  expect() {
    return new Promise((resolvePromise, rejectPromise) => {
      const exchange = { resolve: resolvePromise, reject: rejectPromise, answered: false, reused: this.used };
      this.used = true;
      if (!this.open) {
        rejectPromise(this.failure(exchange, null));
        return;
      }
      this.exchange = exchange;
      this.reader = new ResponseReader();
      this.socket.ref();
    });
  }

  write(data, callback) {
    if (this.open) {
      this.socket.write(data, callback);
    } else if (callback) {
      process.nextTick(callback, new Error('the Runtime API connection is closed'));
    }
  }

  close() {
    this.open = false;
    this.socket.destroy();
  }

  received(chunk) {
    if (!this.exchange) {
      this.close(); // bytes nobody asked for: the connection can no longer be trusted
      return;
    }
    this.exchange.answered = true;
    let response;
    try {
      response = this.reader.push(chunk);
    } catch (error) {
      this.close();
      this.settle(null, error);
      return;
    }
    if (response) {
      if (!response.keepAlive) {
        this.close();
      }
      this.settle(response, null);
    }
  }

  closed(error) {
    const wasOpen = this.open;
    this.open = false;
    if (!this.exchange) {
      return;
    }
    const response = wasOpen ? this.reader.atClose() : null;
    if (response) {
      this.settle(response, null);
    } else {
      this.settle(null, this.failure(this.exchange, error));
    }
  }

  failure(exchange, cause) {
    const error = new Error(`the Runtime API connection failed: ${cause ? cause.message : 'closed by the server'}`);
    // Nothing was sent on a connection that never opened, and a kept-alive one may have been closed
    // by the server while idle: either way the request can be sent again on a new connection.
    error.retryable = !exchange.answered && (exchange.reused || !this.connected);
    return error;
  }

  settle(response, error) {
    const exchange = this.exchange;
    this.exchange = null;
    this.reader = null;
    this.socket.unref();
    if (error) {
      exchange.reject(error);
    } else {
      exchange.resolve(response);
    }
  }
}

/** The Runtime API at `host:port`; requests reuse one idle connection, opening another only when it is busy. */
class RuntimeApi {
  constructor(address) {
    const colon = address.lastIndexOf(':');
    this.host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    this.port = Number(address.slice(colon + 1));
    this.hostHeader = address;
    this.idle = null;
  }

  /** Opens the connection early, so that the handshake overlaps loading the function. */
  warmUp() {
    this.idle = new Connection(this.host, this.port);
  }

  take() {
    const idle = this.idle;
    this.idle = null;
    return idle?.open ? idle : new Connection(this.host, this.port);
  }

  release(connection) {
    if (connection.open && !connection.exchange && this.idle === null) {
      this.idle = connection;
    } else if (connection.open && !connection.exchange) {
      connection.close();
    }
  }

  head(method, path, headers) {
    return `${method} ${path} HTTP/1.1\r\nHost: ${this.hostHeader}\r\n${headers}`;
  }

  async send(method, path, headers, body) {
    const length = body === null ? '' : `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    const head = `${this.head(method, path, headers)}${length}\r\n`;
    let connection = this.take();
    try {
      return await connection.request(head, body);
    } catch (error) {
      if (!error.retryable) {
        throw error;
      }
      connection = new Connection(this.host, this.port);
      return await connection.request(head, body);
    } finally {
      this.release(connection);
    }
  }

  async next() {
    let response;
    try {
      response = await this.send('GET', `${RUNTIME_PATH}/invocation/next`, '', null);
    } catch (error) {
      throw new Error(`Failed to get next invocation, error -1 (${error.message})`);
    }
    if (response.status !== 200) {
      throw new Error(`Failed to get next invocation, error ${response.status}`);
    }
    return response;
  }

  /**
   * Posts a response or error. Anything but 202 is logged and the loop goes on (a 413 means the
   * agent already answered the caller), except for a 5xx or a broken connection, after which the
   * Runtime API cannot be trusted and the runtime exits.
   */
  async post(path, body, headers) {
    let response;
    try {
      response = await this.send('POST', path, headers, body);
    } catch (error) {
      say(`cannot post to the Runtime API: ${error.message}`);
      process.exit(1);
    }
    if (response.status !== 202) {
      say(`the Runtime API answered ${response.status} to POST ${path}: ${response.body.toString('utf8', 0, 1000)}`);
      if (response.status >= 500) {
        process.exit(1);
      }
    }
  }
}

function invocationPath(requestId, action) {
  return `${RUNTIME_PATH}/invocation/${encodeURIComponent(requestId)}/${action}`;
}

/** The Lambda-Runtime-Function-Error-Type header, or nothing when the type cannot be a header value. */
function errorTypeHeader(errorType) {
  const value = typeof errorType === 'string' ? errorType.replace(/[^\x20-\x7e]/g, '') : '';
  return value ? `Lambda-Runtime-Function-Error-Type: ${value}\r\n` : '';
}

/** A result as JSON, as AWS's client encodes it (undefined becomes null). */
function serialise(value) {
  let body;
  try {
    body = JSON.stringify(value === undefined ? null : value);
  } catch {
    throw new Error('Unable to stringify response body');
  }
  if (body === undefined) {
    // A function or symbol encodes to nothing, which AWS's native client refuses with this error.
    throw new TypeError('Wrong arguments');
  }
  return body;
}

function postInvocationResponse(result, requestId, then) {
  const body = serialise(result);
  api.post(invocationPath(requestId, 'response'), body, 'Content-Type: application/json\r\n').then(then);
}

function postInvocationError(error, requestId, then) {
  const document = errorDocument(error);
  const body = serialise(document);
  const headers = `Content-Type: application/json\r\n${errorTypeHeader(document.errorType)}`;
  api.post(invocationPath(requestId, 'error'), body, headers).then(then);
}

function postInitError(error, then) {
  const document = errorDocument(error);
  const headers = `Content-Type: application/json\r\n${errorTypeHeader(document.errorType)}`;
  api.post(`${RUNTIME_PATH}/init/error`, serialise(document), headers).then(then);
}

// ---------------------------------------------------------------------------------------------
// Loading the handler: `path/to/module.export.nested`, looked up in the task root as AWS does.

function requireIfExists(file) {
  return existsSync(file) ? require(file) : undefined;
}

async function importIfExists(file) {
  if (!existsSync(file)) {
    return undefined;
  }
  return await import(require('node:url').pathToFileURL(file).href);
}

/** Whether the nearest package.json above a folder says "type": "module", stopping at node_modules. */
function folderIsTypeModule(folder) {
  if (folder.endsWith('/node_modules')) {
    return false;
  }
  const packageJson = join(folder, '/package.json');
  if (existsSync(packageJson)) {
    try {
      const manifest = JSON.parse(readFileSync(packageJson));
      if (manifest) {
        return manifest.type === 'module';
      }
    } catch (error) {
      console.warn(`${packageJson} cannot be read, it will be ignored for ES module detection purposes.`, error);
      return false;
    }
  }
  if (folder === '/') {
    return false;
  }
  return folderIsTypeModule(resolve(folder, '..'));
}

/**
 * The module, tried as AWS tries it: extensionless, .js (CommonJS unless package.json says module),
 * .mjs, .cjs, and last Node's own lookup, which also searches NODE_PATH (layers).
 */
async function loadModule(appRoot, moduleRoot, moduleName) {
  const lambdaStylePath = resolve(appRoot, moduleRoot, moduleName);
  const extensionless = requireIfExists(lambdaStylePath);
  if (extensionless) {
    return extensionless;
  }
  const typeModule = existsSync(`${lambdaStylePath}.js`) && folderIsTypeModule(dirname(`${lambdaStylePath}.js`));
  if (!typeModule) {
    const commonJs = requireIfExists(`${lambdaStylePath}.js`);
    if (commonJs) {
      return commonJs;
    }
  }
  const loaded =
    (typeModule && (await importIfExists(`${lambdaStylePath}.js`))) ||
    (await importIfExists(`${lambdaStylePath}.mjs`)) ||
    requireIfExists(`${lambdaStylePath}.cjs`);
  if (loaded) {
    return loaded;
  }
  return require(require.resolve(moduleName, { paths: [appRoot, moduleRoot] }));
}

async function loadUserApp(appRoot, moduleRoot, moduleName) {
  const noGlobal = process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  if (noGlobal !== '1' && noGlobal !== 'true') {
    globalThis.awslambda = { streamifyResponse, HttpResponseStream };
  }
  try {
    return await loadModule(appRoot, moduleRoot, moduleName);
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new UserCodeSyntaxError(error);
    }
    // Like AWS's client this reads error.code even when something without properties was thrown.
    if (error.code !== undefined && error.code === 'MODULE_NOT_FOUND') {
      throw new ImportModuleError(error);
    }
    throw error;
  }
}

async function loadHandler(appRoot, fullHandlerName) {
  if (fullHandlerName.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandlerName}' is not a valid handler name. ` +
        'Use absolute paths when specifying root directories in handler names.',
    );
  }
  const moduleAndExport = basename(fullHandlerName);
  const moduleRoot = fullHandlerName.substring(0, fullHandlerName.indexOf(moduleAndExport));
  const parts = /^([^.]*)\.(.*)$/.exec(moduleAndExport);
  if (!parts) {
    throw new MalformedHandlerName('Bad handler');
  }
  const userApp = await loadUserApp(appRoot, moduleRoot, parts[1]);
  const handler = parts[2].split('.').reduce((nested, key) => nested && nested[key], userApp);
  if (!handler) {
    throw new HandlerNotFound(`${fullHandlerName} is undefined or not exported`);
  }
  if (typeof handler !== 'function') {
    throw new HandlerNotFound(`${fullHandlerName} is not a function`);
  }
  return handler;
}

function streamingModeOf(handler) {
  const mode = handler[STREAMING];
  if (mode === undefined || mode === null || mode === false) {
    return false;
  }
  if (mode === STREAM_RESPONSE) {
    return STREAM_RESPONSE;
  }
  throw new MalformedStreamingHandler('Only response streaming is supported.');
}

function handlerMetadata(handler) {
  let isAsync = false;
  try {
    isAsync = handler.constructor?.name === 'AsyncFunction';
  } catch {
    // a constructor getter that throws: not an async function as far as we can tell
  }
  const marked = handler[HIGH_WATER_MARK];
  const highWaterMark = marked === undefined || marked === null || marked === false ? NaN : parseInt(marked);
  return {
    streaming: streamingModeOf(handler),
    highWaterMark: Number.isNaN(highWaterMark) ? undefined : highWaterMark,
    isAsync,
    argsNum: handler.length,
  };
}

// ---------------------------------------------------------------------------------------------
// The `awslambda` global: response streaming.

function streamifyResponse(handler, options) {
  handler[STREAMING] = STREAM_RESPONSE;
  if (typeof options?.highWaterMark === 'number') {
    handler[HIGH_WATER_MARK] = parseInt(options.highWaterMark);
  }
  return handler;
}

/** Writes the HTTP integration prelude (status, headers, cookies) and 8 NUL bytes before the body. */
class HttpResponseStream {
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType('application/vnd.awslambda.http-integration-response');
    const metadataPrelude = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadataPrelude);
      write(new Uint8Array(8));
    };
    return underlyingStream;
  }
}

let Writable;

/**
 * A streamed response: a chunked POST with Lambda-Runtime-Function-Response-Mode: streaming,
 * whose head goes out with the first write, and whose failure travels in HTTP trailers.
 */
function createResponseStream(requestId, highWaterMark) {
  const connection = api.take();
  // As with AWS's client, the open request holds the event loop: a handler that never ends the
  // stream leaves the invocation to time out.
  connection.socket.ref();
  let contentType = 'application/octet-stream';
  let started = false;
  let finalWritten = false;
  let errorTrailers = '';
  let beforeFirstWrite;
  let settleResponse;
  const responseDone = new Promise((resolvePromise, rejectPromise) => {
    settleResponse = { resolve: resolvePromise, reject: rejectPromise };
  });
  // The runtime awaits this only once the handler has returned; a failure before must not count as unhandled.
  responseDone.catch(NO_OP);

  const start = () => {
    if (started) {
      return;
    }
    started = true;
    connection.expect().then(
      (response) => {
        if (finalWritten) {
          api.release(connection);
        } else {
          connection.close(); // answered before the body ended: the rest of it would be unsolicited
        }
        settleResponse.resolve(response);
      },
      (error) => settleResponse.reject(error),
    );
    connection.write(
      api.head('POST', invocationPath(requestId, 'response'), '') +
        'Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n' +
        'Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n' +
        `Content-Type: ${contentType.replace(/[\r\n]/g, '')}\r\n\r\n`,
    );
  };

  const inner = new Writable({
    highWaterMark,
    write(chunk, _encoding, callback) {
      start();
      if (chunk.length === 0) {
        callback();
        return;
      }
      connection.socket.cork();
      connection.write(`${chunk.length.toString(16)}\r\n`);
      connection.write(chunk);
      connection.write('\r\n', callback);
      connection.socket.uncork();
    },
    final(callback) {
      start();
      finalWritten = true;
      connection.write(`0\r\n${errorTrailers}\r\n`, callback);
    },
    destroy(error, callback) {
      if (!finalWritten) {
        connection.close();
        if (!started) {
          settleResponse.reject(error ?? new Error('the response stream was destroyed'));
        }
      }
      callback(error);
    },
  });
  // Failures reach the runtime through responseDone; an 'error' nobody listens to must not crash it.
  inner.on('error', () => {});

  let firstWrite = true;
  const write = (chunk, encoding, callback) => {
    if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk) && chunk?.constructor !== Uint8Array) {
      chunk = JSON.stringify(chunk);
    }
    if (firstWrite && typeof beforeFirstWrite === 'function') {
      beforeFirstWrite((prelude) => inner.write(prelude));
    }
    firstWrite = false;
    return inner.write(chunk, encoding, callback);
  };
  const end = (chunk, encoding, callback) => {
    if (typeof chunk === 'function') {
      return inner.end(chunk);
    }
    if (typeof encoding === 'function') {
      callback = encoding;
      encoding = undefined;
    }
    if (chunk !== undefined && chunk !== null) {
      write(chunk, encoding);
    }
    return inner.end(callback);
  };

  // What the handler gets: only the writing side, as in AWS's runtime.
  const responseStream = { write, end };
  for (const name of [
    'cork', 'destroy', 'uncork', 'addListener', 'emit', 'eventNames', 'getMaxListeners', 'listenerCount', 'listeners',
    'off', 'on', 'once', 'prependListener', 'prependOnceListener', 'rawListeners', 'removeAllListeners',
    'removeListener', 'setMaxListeners',
  ]) {
    responseStream[name] = inner[name].bind(inner);
  }
  responseStream.setContentType = (type) => {
    if (started || !firstWrite) {
      throw new InvalidStreamingOperation('Cannot set content-type, too late.');
    }
    contentType = type;
  };
  for (const name of ['destroyed', 'writable']) {
    Object.defineProperty(responseStream, name, {
      get: () => inner[name],
      set: (value) => {
        inner[name] = value;
      },
    });
  }
  Object.defineProperty(responseStream, '_onBeforeFirstWrite', {
    get: () => beforeFirstWrite,
    set: (value) => {
      beforeFirstWrite = value;
    },
  });
  for (const name of [
    'writableFinished', 'writableObjectMode', 'writableBuffer', 'writableEnded', 'writableNeedDrain',
    'writableHighWaterMark', 'writableCorked', 'writableLength',
  ]) {
    Object.defineProperty(responseStream, name, { get: () => inner[name] });
  }

  /** Ends the stream with the error in trailers, then calls back once the agent has answered. */
  const fail = (error, callback) => {
    const after = () => responseDone.then(() => callback(), () => callback());
    if (inner.writableEnded || inner.destroyed) {
      after();
      return;
    }
    const document = errorDocument(error);
    errorTrailers =
      errorTypeHeader(document.errorType) +
      `Lambda-Runtime-Function-Error-Body: ${Buffer.from(JSON.stringify(document)).toString('base64')}\r\n`;
    inner.end(after);
  };

  return { responseStream, responseDone, fail };
}

// ---------------------------------------------------------------------------------------------
// Invocations

const NO_OP = () => {};
let api;
let handler;
let metadata;

/** What an uncaught exception or unhandled rejection is reported as: the init, then the current invocation. */
const failureReporters = {
  uncaughtException: (error) => postInitError(error, () => process.exit(129)),
  unhandledRejection: (error) => postInitError(error, () => process.exit(128)),
};

function reportFailuresAgainst(requestId) {
  failureReporters.uncaughtException = (error) => postInvocationError(error, requestId, () => process.exit(129));
  failureReporters.unhandledRejection = (error) => postInvocationError(error, requestId, () => process.exit(128));
}

/** Runs when the event loop is empty: how callbackWaitsForEmptyEventLoop finishes an invocation. */
function onEmptyEventLoop(listener) {
  globalThis[BEFORE_EXIT] = listener;
}

function scheduleIteration() {
  setImmediate(() => {
    (metadata.streaming === STREAM_RESPONSE ? handleOnceStreaming : handleOnce)().then(NO_OP, (error) => {
      console.log(`Unexpected Top Level Error: ${error.toString()}`);
      failureReporters.uncaughtException(error);
    });
  });
}

function isPromise(value) {
  return value && value.then && typeof value.then === 'function';
}

function parseHeaderJson(value, name) {
  if (value === undefined || value === '') {
    return undefined;
  }
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new Error(`Cannot parse ${name} as json: ${error.toString()}`);
  }
}

/** Starts an invocation's logging context; returns its request id. */
function beginInvocation(headers) {
  const requestId = headers['lambda-runtime-aws-request-id'];
  if (!requestId) {
    throw new Error('invocation id is missing or invalid');
  }
  globalThis[REQUEST_ID] = requestId;
  globalThis[TENANT_ID] = headers['lambda-runtime-aws-tenant-id'] || undefined;
  return requestId;
}

/** Adds the function's and the invocation's data to a context, and sets _X_AMZN_TRACE_ID as AWS does. */
function withInvocationData(context, headers) {
  const traceId = headers['lambda-runtime-trace-id'];
  if (traceId) {
    process.env._X_AMZN_TRACE_ID = traceId;
  } else {
    delete process.env._X_AMZN_TRACE_ID;
  }
  const env = process.env;
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  const invocationData = {
    clientContext: parseHeaderJson(headers['lambda-runtime-client-context'], 'ClientContext'),
    identity: parseHeaderJson(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    tenantId: headers['lambda-runtime-aws-tenant-id'] || undefined,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  return Object.assign(
    context,
    {
      functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
      functionName: env.AWS_LAMBDA_FUNCTION_NAME,
      memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    },
    invocationData,
  );
}

/**
 * The callback handed to the handler and the context's succeed/fail/done and
 * callbackWaitsForEmptyEventLoop; only the first of them to be called counts.
 */
function callbackContextFor(requestId) {
  const postError = (error, then) => {
    logError('Invoke Error', error);
    postInvocationError(error, requestId, then);
  };
  let completed = false;
  const complete = (result, then) => {
    if (completed) {
      console.error(
        'Invocation has already been reported as done. Cannot call complete more than once per invocation.',
      );
      return;
    }
    completed = true;
    postInvocationResponse(result, requestId, then);
  };
  let waitForEmptyEventLoop = true;
  const callback = (error, result) => {
    onEmptyEventLoop(NO_OP);
    if (error !== undefined && error !== null) {
      postError(error, scheduleIteration);
    } else if (!waitForEmptyEventLoop) {
      complete(result, scheduleIteration);
    } else {
      onEmptyEventLoop(() => setImmediate(() => complete(result, scheduleIteration)));
    }
  };
  const done = (error, result) => {
    onEmptyEventLoop(NO_OP);
    if (error !== undefined && error !== null) {
      postError(error, scheduleIteration);
    } else {
      complete(result, scheduleIteration);
    }
  };
  let finished = false;
  const firstCallOnly = (fn) =>
    function (...args) {
      if (!finished) {
        fn(...args);
        finished = true;
      }
    };
  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed: firstCallOnly((result) => done(null, result)),
    fail: firstCallOnly((error) => (error === undefined || error === null ? done('handled') : done(error, null))),
    done: firstCallOnly(done),
  };
  return { callback: firstCallOnly(callback), context, markCompleted: () => (completed = true) };
}

async function handleOnce() {
  const { body, headers } = await api.next();
  const requestId = beginInvocation(headers);
  const { callback, context, markCompleted } = callbackContextFor(requestId);
  try {
    reportFailuresAgainst(requestId);
    // The handler neither called back nor settled its promise before the event loop ran dry.
    onEmptyEventLoop(() => {
      markCompleted();
      if (metadata.isAsync) {
        const error = new NodeJsExit();
        logError('Invoke Error', error);
        postInvocationError(error, requestId, scheduleIteration);
      } else {
        postInvocationResponse(null, requestId, scheduleIteration);
      }
    });
    const result = handler(JSON.parse(body.toString('utf8')), withInvocationData(context, headers), callback);
    if (isPromise(result)) {
      result.then(context.succeed, context.fail).catch(context.fail);
    }
  } catch (error) {
    callback(error);
  }
}

async function handleOnceStreaming() {
  const { body, headers } = await api.next();
  const requestId = beginInvocation(headers);
  let waitForEmptyEventLoop = true;
  const streamingContext = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
  };
  const { responseStream, responseDone, fail: failStream } = createResponseStream(requestId, metadata.highWaterMark);
  const scheduleNext = () => {
    onEmptyEventLoop(NO_OP);
    if (!waitForEmptyEventLoop) {
      scheduleIteration();
    } else {
      onEmptyEventLoop(() => setImmediate(scheduleIteration));
    }
  };
  const fail = (error) => {
    logError('Invoke Error', error);
    failStream(error, scheduleNext);
  };
  try {
    reportFailuresAgainst(requestId);
    onEmptyEventLoop(scheduleIteration);
    const context = withInvocationData(streamingContext, headers);
    const result = handler(JSON.parse(body.toString('utf8')), responseStream, context);
    if (!isPromise(result)) {
      fail('Streaming does not support non-async handlers.');
      return;
    }
    if ((await result) !== undefined) {
      console.warn('Streaming handlers ignore return values.');
    }
    await responseDone;
    if (!responseStream.writableFinished) {
      fail('Response stream is not finished.');
      return;
    }
    scheduleNext();
  } catch (error) {
    fail(error);
  }
}

// ---------------------------------------------------------------------------------------------
// Start

async function main() {
  makeBlockingOnFirstUse('stdout');
  makeBlockingOnFirstUse('stderr');
  patchConsole();
  const address = process.env.AWS_LAMBDA_RUNTIME_API;
  if (!address) {
    say('AWS_LAMBDA_RUNTIME_API is not set');
    process.exit(1);
  }
  api = new RuntimeApi(address);
  api.warmUp();

  const onUncaughtException = (error) => {
    logError('Uncaught Exception', error);
    failureReporters.uncaughtException(error);
  };
  process.on('uncaughtException', onUncaughtException);
  process.on('unhandledRejection', (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    logError('Unhandled Promise Rejection', error);
    failureReporters.unhandledRejection(error);
  });
  onEmptyEventLoop(NO_OP);
  process.on('beforeExit', () => globalThis[BEFORE_EXIT]());

  try {
    const appRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
    handler = await loadHandler(appRoot, process.env._HANDLER ?? process.argv[2] ?? '');
    metadata = handlerMetadata(handler);
    if (metadata.streaming === STREAM_RESPONSE) {
      ({ Writable } = require('node:stream'));
    }
  } catch (error) {
    // AWS's client lets this reach the uncaughtException handler; calling it directly is the same.
    onUncaughtException(error);
    return;
  }
  if (
    process.env.AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING === undefined &&
    metadata.argsNum === 3 &&
    !metadata.isAsync &&
    metadata.streaming === false
  ) {
    console.warn(CALLBACK_WARNING);
  }
  scheduleIteration();
}

await main();
