"""klambda's runtime client for Python functions.

klambda's agent starts it as ``python bootstrap.py`` in the function's task root. It imports the
handler named by ``_HANDLER`` and serves invocations over the Lambda Runtime API at
``AWS_LAMBDA_RUNTIME_API`` so that, seen from outside, it behaves like AWS's own client
(awslambdaric): the same context object, error documents, log lines and JSON encoding
(simplejson's, which awslambdaric uses).

Start-up time is the budget that matters here:
- Only builtin modules are imported up front. HTTP is spoken directly over ``_socket``, JSON goes
  through the ``_json`` accelerator, and ``json``, ``logging`` and ``traceback`` are imported only
  when a request needs them.
- The root logger is configured at the moment the function's code first imports ``logging``,
  which, as far as that code can tell, is the same as configuring it before the handler is
  imported, as AWS does.
- This file runs as ``__main__``, so Python compiles it at every start. The code that only errors,
  unusual results and logging need sits in the ``_RARE_*`` sections at the end, each compiled the
  first time it is needed, with its line numbers kept; compiling them up front would cost 2-3 ms.
"""

import os
import sys
import time

import _socket

_RUNTIME_PATH = "/2018-06-01/runtime"

# awslambdaric encodes with ensure_ascii=False only on these runtimes.
_ENSURE_ASCII = os.environ.get("AWS_EXECUTION_ENV") not in {
    "AWS_Lambda_python3.12",
    "AWS_Lambda_python3.13",
    "AWS_Lambda_python3.14",
    "AWS_Lambda_python3.15",
}
_JSON_LOGS = (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
_LOG_LEVEL = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
_LOG_LEVEL = {None: "", "TRACE": "DEBUG"}.get(_LOG_LEVEL, _LOG_LEVEL).upper()

# The invocation in progress, as log records see it.
_request_id = None
_tenant_id = None
_logging_configured = False


class RuntimeApiClient:
    """The Runtime API over one kept-alive HTTP/1.1 connection. Written by hand because importing
    http.client costs more than the whole start-up budget."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._host = host[1:-1] if host.startswith("[") else host
        self._port = int(port)
        self._common_headers = "Host: %s\r\nUser-Agent: aws-lambda-python/%d.%d.%d-klambda\r\n" % (
            (address,) + tuple(sys.version_info[:3])
        )
        self._next_request = (
            "GET %s/invocation/next HTTP/1.1\r\n%s\r\n" % (_RUNTIME_PATH, self._common_headers)
        ).encode("ascii")
        self._sock = None
        self._unread = b""

    def next_invocation(self):
        """Waits, without any timeout, for the next invocation; returns (status, headers, body)."""
        return self._exchange(self._next_request)

    def post(self, path, body, headers):
        """Posts body to path with the given header pairs; returns (status, headers, body)."""
        head = "POST %s HTTP/1.1\r\n%s%sContent-Length: %d\r\n\r\n" % (
            path,
            self._common_headers,
            "".join("%s: %s\r\n" % header for header in headers),
            len(body),
        )
        # One send per request: head and body leave together, with TCP_NODELAY set.
        return self._exchange(head.encode("utf-8", "backslashreplace") + body)

    def _exchange(self, request):
        for attempt in (1, 2):
            reused = self._sock is not None
            if not reused:
                self._sock = self._connect()
            try:
                self._sock.sendall(request)
                return self._read_response()
            except OSError as error:
                self._close()
                # A kept-alive connection that the other side had closed fails at once, on the
                # send or without an answer: then the request goes once more, on a new connection.
                stale = isinstance(error, (_StaleConnection, BrokenPipeError, ConnectionResetError))
                if not (reused and stale and attempt == 1):
                    raise

    def _connect(self):
        try:
            host = self._host.encode("ascii")  # a str would go through the idna codec, which imports re
        except UnicodeEncodeError:
            host = self._host
        error = None
        for family, kind, proto, _, address in _socket.getaddrinfo(host, self._port, 0, _socket.SOCK_STREAM):
            sock = _socket.socket(family, kind, proto)
            try:
                # The function's code may have set a default socket timeout; next must never time out.
                sock.settimeout(None)
                sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
                sock.connect(address)
                return sock
            except OSError as e:
                sock.close()
                error = e
        raise error or OSError("cannot resolve %s" % self._host)

    def _close(self):
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        self._sock = None
        self._unread = b""

    def _recv(self):
        data = self._sock.recv(65536)
        if not data:
            raise ConnectionAbortedError("the Runtime API closed the connection")
        return data

    def _read_response(self):
        data = self._unread
        self._unread = b""
        while True:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                try:
                    data += self._recv()
                except ConnectionAbortedError:
                    if data:
                        raise
                    raise _StaleConnection("the Runtime API closed the connection") from None
                continue
            lines = data[:end].decode("utf-8", "surrogateescape").split("\r\n")
            data = data[end + 4 :]
            version, status = lines[0].split(None, 2)[:2]
            status = int(status)
            headers = {}
            for line in lines[1:]:
                name, colon, value = line.partition(":")
                if colon:
                    headers[name.strip().lower()] = value.strip()
            if status >= 200:
                break
            # A 1xx interim response has no body; the real one follows.
        keep_alive = headers.get("connection", "").lower() != "close" and version != "HTTP/1.0"
        if status in (204, 304):
            body = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body, data = _rare("HTTP", "read_chunked")(self, data)
        elif "content-length" in headers:
            body, data = self._read_exactly(data, int(headers["content-length"]))
        else:
            body, data, keep_alive = _rare("HTTP", "read_to_end")(self, data), b"", False
        if keep_alive:
            self._unread = data
        else:
            self._close()
        return status, headers, body

    def _read_exactly(self, data, length):
        if len(data) >= length:
            return data[:length], data[length:]
        body = bytearray(length)
        body[: len(data)] = data
        view = memoryview(body)
        filled = len(data)
        while filled < length:
            received = self._sock.recv_into(view[filled:])
            if not received:
                raise ConnectionAbortedError("the Runtime API closed the connection in a body")
            filled += received
        return body, b""


class _StaleConnection(ConnectionError):
    """The connection was closed before any byte of the response arrived."""


class _Fault(Exception):
    """A failure the runtime reports under one of Lambda's own error types."""

    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


# The context object, with awslambdaric's attributes, types and representations.


class _Described:
    """awslambdaric's repr for the context and its parts: Name([attribute=value,...])."""

    __slots__ = ()

    def __repr__(self):
        return "%s([%s])" % (
            type(self).__name__,
            ",".join("%s=%s" % (name, getattr(self, name)) for name in self._described),
        )


class LambdaContext(_Described):
    """The second argument of a handler."""

    _described = (
        "aws_request_id log_group_name log_stream_name function_name memory_limit_in_mb function_version "
        "invoked_function_arn client_context identity tenant_id"
    ).split()

    def __init__(self, request_id, client_context, cognito_identity, deadline_ms, invoked_function_arn, tenant_id):
        environ = os.environ
        self.aws_request_id = request_id
        self.log_group_name = environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self.client_context = _from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _from_dict(Client, self.client_context.client)
        self.identity = _from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._epoch_deadline_time_in_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        remaining = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))


class CognitoIdentity(_Described):
    """The caller's Amazon Cognito identity, when the invocation came with one."""

    __slots__ = _described = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client(_Described):
    """The mobile client that made the invocation, from the client context."""

    __slots__ = _described = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]


class ClientContext(_Described):
    """The client context the caller sent with the invocation."""

    __slots__ = _described = ["custom", "env", "client"]


def _from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for name in cls.__slots__:
        setattr(obj, name, values.get(name, None))
    return obj


# JSON as awslambdaric writes and reads it, with simplejson: ", " and ": " separators, Decimal
# written as its digits, namedtuples as objects, bytes as UTF-8 text, NaN and Infinity allowed on
# output but not on input, floats read as float. The _json accelerator does the common cases; the
# exact pure-Python code in _RARE_JSON does the rest, and says why a document is refused.

_c_json = None
_escape_string = None
_fast_encode = None
_event_scanner = None


def _json_accelerator():
    """The _json C module, or None when this build of Python has none."""
    global _c_json
    if _c_json is None:
        try:
            import _json

            _c_json = _json
        except ImportError:
            _c_json = False
    return _c_json or None


def _string_escaper():
    global _escape_string
    if _escape_string is None:
        accelerator = _json_accelerator()
        if accelerator is not None:
            _escape_string = accelerator.encode_basestring_ascii if _ENSURE_ASCII else accelerator.encode_basestring
        else:
            from json import encoder

            _escape_string = encoder.py_encode_basestring_ascii if _ENSURE_ASCII else encoder.py_encode_basestring
    return _escape_string


def to_json(obj):
    """obj as awslambdaric's encoder writes it; raises as that encoder would."""
    global _fast_encode
    if _is_plain(obj):
        if _fast_encode is None:
            accelerator = _json_accelerator()
            _fast_encode = accelerator is not None and accelerator.make_encoder(
                None, None, _string_escaper(), None, ": ", ", ", False, False, True
            )
        if _fast_encode:
            try:
                return "".join(_fast_encode(obj, 0))
            except RecursionError:
                raise
            except Exception:
                pass  # e.g. a key type simplejson takes and _json does not: the exact encoder decides
    return _rare("JSON", "to_json_exactly")(obj)


def _is_plain(obj):
    """True when obj holds only types that the _json encoder writes exactly as simplejson does:
    no namedtuples or other container subclasses, no Decimal, bytes or other objects."""
    todo = [obj]
    pop = todo.pop
    extend = todo.extend
    budget = 2500000  # a cycle exhausts it, and so does anything too big to return from Lambda
    while todo:
        value = pop()
        kind = type(value)
        if kind is dict:
            extend(value.values())
        elif kind is list or kind is tuple:
            extend(value)
        elif not (kind is str or kind is int or kind is float or kind is bool or value is None):
            if not isinstance(value, (str, int, float)):
                return False
        budget -= 1
        if budget < 0:
            return False
    return True


class _NotStrictJson(Exception):
    """NaN or Infinity in an event, which simplejson refuses."""


def _reject_constant(name):
    raise _NotStrictJson(name)


def _make_scanner(parse_constant):
    accelerator = _json_accelerator()
    if accelerator is None:
        return False

    class Settings:
        # The attributes _json's scanner reads from its context.
        strict = True
        object_hook = None
        object_pairs_hook = None
        parse_float = float
        parse_int = int

    Settings.parse_constant = staticmethod(parse_constant)
    return accelerator.make_scanner(Settings)


def _skip_whitespace(text, index):
    length = len(text)
    while index < length and text[index] in " \t\n\r":
        index += 1
    return index


def parse_event(body):
    """The event as awslambdaric's simplejson.loads reads it; raises with simplejson's messages."""
    global _event_scanner
    text = body.decode("utf-8")
    start = 0
    if text[:1] == "\ufeff":
        start = 1
    elif text[:3] == "\xef\xbb\xbf":
        start = 3
    if _event_scanner is None:
        _event_scanner = _make_scanner(_reject_constant)
    if _event_scanner:
        try:
            value, end = _event_scanner(text, _skip_whitespace(text, start))
            if _skip_whitespace(text, end) == len(text):
                return value
        except RecursionError as error:
            raise RecursionError(str(error).replace("a unicode string", "a string")) from None
        except Exception:
            pass  # the exact decoder finds the error and words it as simplejson does
    return _rare("JSON", "SimplejsonDecoder")(text).decode(start)


# The root logger, configured as awslambdaric configures it, as soon as logging is imported.


class _LoggingWatcher:
    """A meta path finder that finds nothing itself: it notices the first import of logging so
    that the root logger is configured before any code can use it."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name != "logging":
            return None
        try:
            sys.meta_path.remove(_LoggingWatcher)
        except ValueError:
            pass
        try:
            for finder in sys.meta_path:
                find_spec = getattr(finder, "find_spec", None)
                spec = find_spec(name, path, target) if find_spec is not None else None
                if spec is not None:
                    if hasattr(spec.loader, "exec_module"):
                        spec.loader = _ConfiguringLoader(spec.loader)
                    return spec
        except Exception:
            pass  # leave it to the import system; the invocation loop configures logging later
        return None


class _ConfiguringLoader:
    """Loads logging with its own loader, then configures the root logger."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__spec__.loader = self.loader
        module.__loader__ = self.loader
        self.loader.exec_module(module)
        _rare("LOGGING", "configure_logging")(module)


def _configure_logging_if_imported():
    if not _logging_configured and "logging" in sys.modules:
        _rare("LOGGING", "configure_logging")(sys.modules["logging"])


# Initialisation and invocations.


def load_handler(name):
    """The function's handler, or a _Fault with the error type awslambdaric reports."""
    try:
        module_name, function_name = name.rsplit(".", 1)
    except ValueError as error:
        raise _Fault("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (name, error)) from None
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise _Fault(
                "Runtime.BuiltInModuleConflict",
                "Cannot use built-in module %s as a handler module" % module_name,
            )
        import_name = module_name.replace("/", ".")
        if import_name.startswith("."):
            import importlib

            module = importlib.import_module(import_name)
        else:
            # What importlib.import_module does, without importing importlib (and warnings):
            # 0.5 ms saved. Errors get import_module's frame back in _RARE_ERRORS, as on Lambda.
            module = sys.modules["_frozen_importlib"]._gcd_import(import_name)
    except ImportError as error:
        raise _Fault("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_name, error)) from None
    except SyntaxError as error:
        raise _Fault(
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module '%s': %s" % (module_name, error),
            ['  File "%s" Line %s\n    %s' % (error.filename, error.lineno, error.text)],
        ) from None
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise _Fault(
            "Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (function_name, module_name)
        ) from None


def _initialise(client, handler_name):
    if os.environ.get("AWS_EXECUTION_ENV") == "AWS_Lambda_python3.15":
        _rare("ERRORS", "warn_preview_runtime")()
    try:
        return load_handler(handler_name)
    except Exception as error:
        _rare("ERRORS", "report_init_error")(client, error)


def _serve(client, handler):
    global _request_id, _tenant_id
    while True:
        try:
            status, headers, body = client.next_invocation()
        except OSError as error:
            _say("cannot get the next invocation from the Runtime API: %s" % error)
            sys.exit(1)
        request_id = headers.get("lambda-runtime-aws-request-id")
        if status != 200 or not request_id:
            _say("the Runtime API answered %d to next: %r" % (status, bytes(body[:1000])))
            sys.exit(1)
        _request_id = request_id
        _tenant_id = headers.get("lambda-runtime-aws-tenant-id") or None
        trace_id = headers.get("lambda-runtime-trace-id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        _configure_logging_if_imported()
        _invoke(client, handler, request_id, headers, body)


def _invoke(client, handler, request_id, headers, body):
    try:
        context = _context(request_id, headers)
        if headers.get("content-type") == "application/json":
            try:
                event = parse_event(body)
            except Exception as error:
                raise _Fault("Runtime.UnmarshalError", "Unable to unmarshal input: %s" % error) from None
        else:
            event = bytes(body)
        result = handler(event, context)
        del event
        if isinstance(result, bytes):
            payload, content_type = result, "application/unknown"
        else:
            try:
                # backslashreplace writes a lone surrogate as its JSON escape
                payload = to_json(result).encode("utf-8", "backslashreplace")
            except Exception as error:
                raise _Fault("Runtime.MarshalError", "Unable to marshal response: %s" % error) from None
            content_type = "application/json"
        del result
    except Exception as error:
        _rare("ERRORS", "report_invocation_error")(client, request_id, error)
        return
    # Whatever the function printed must reach the log before its response is posted.
    _flush_std_streams()
    _post(client, "%s/invocation/%s/response" % (_RUNTIME_PATH, request_id), payload, [("Content-Type", content_type)])


def _context(request_id, headers):
    client_context = headers.get("lambda-runtime-client-context") or None
    cognito_identity = headers.get("lambda-runtime-cognito-identity") or None
    if client_context is not None or cognito_identity is not None:
        client_context, cognito_identity = _rare("JSON", "parse_context_headers")(client_context, cognito_identity)
    return LambdaContext(
        request_id,
        client_context,
        cognito_identity,
        _leading_int(headers.get("lambda-runtime-deadline-ms")),
        headers.get("lambda-runtime-invoked-function-arn", ""),
        headers.get("lambda-runtime-aws-tenant-id") or None,
    )


def _leading_int(text):
    """The number at the start of text, 0 if none, as the C library's strtoul reads it."""
    text = (text or "").strip()
    end = 0
    while end < len(text) and text[end].isdigit():
        end += 1
    return int(text[:end]) if end else 0


def _post(client, path, payload, headers):
    """Posts a response or error and returns the status. Anything but 202 means the post failed:
    it is logged and the loop goes on (a 413 means the agent has answered the caller itself),
    except after a 5xx, when the Runtime API cannot be relied on and the runtime exits."""
    try:
        status, _, body = client.post(path, payload, headers)
    except OSError as error:
        _say("cannot post to the Runtime API: %s" % error)
        sys.exit(1)
    if status != 202:
        _say("the Runtime API answered %d to POST %s: %r" % (status, path, bytes(body[:1000])))
        if status >= 500:
            sys.exit(1)
    return status


class _Unbuffered:
    """A standard stream that flushes after every write, as on Lambda: what the function wrote
    reaches the log even when the process is killed in the middle of a line, at a timeout."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        written = self._stream.write(text)
        self._stream.flush()
        return written

    def writelines(self, lines):
        self._stream.writelines(lines)
        self._stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        pass

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _flush_std_streams():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def _say(message):
    """Writes the runtime's own complaint to stderr, which the agent logs."""
    _flush_std_streams()
    try:
        sys.stderr.write("klambda bootstrap: %s\n" % message)
        sys.stderr.flush()
    except Exception:
        pass


def _rare(section, name):
    """The function called name in the source _RARE_<section>, which is compiled into this
    module's namespace the first time any of its names is needed."""
    namespace = globals()
    if name not in namespace:
        variable = "_RARE_" + section
        try:
            with open(__file__, encoding="utf-8") as source:
                text = source.read()
            first_line = text.count("\n", 0, text.rindex("\n%s = r'''" % variable)) + 2
        except (OSError, ValueError):
            first_line = 1
        # Padded so that line numbers, and so tracebacks, point into this file.
        exec(compile("\n" * (first_line - 1) + namespace[variable], __file__, "exec"), namespace)
    return namespace[name]


def main():
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    # The task root comes first on sys.path, in place of this script's directory.
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or os.curdir) == here:
        sys.path[0] = task_root
    else:
        sys.path.insert(0, task_root)
    if sys.stdout is not None:
        sys.stdout = _Unbuffered(sys.stdout)
    if sys.stderr is not None:
        sys.stderr = _Unbuffered(sys.stderr)
    if "logging" in sys.modules:
        _rare("LOGGING", "configure_logging")(sys.modules["logging"])
    else:
        sys.meta_path.insert(0, _LoggingWatcher)
    client = RuntimeApiClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    handler_name = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("_HANDLER", "")
    handler = _initialise(client, handler_name)
    _configure_logging_if_imported()
    _serve(client, handler)


# The rarely needed code: each section is compiled by _rare() the first time one of its names is
# needed (see the module's docstring).

_RARE_HTTP = r'''
# Bodies the agent does not send but another Runtime API might: chunked, or up to the close.

def read_chunked(client, data):
    """A chunked body from client's connection, data being what has already arrived; returns
    the body and whatever follows it."""
    chunks = []
    while True:
        while b"\r\n" not in data:
            data += client._recv()
        line, _, data = data.partition(b"\r\n")
        size = int(line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            # Trailers, if any, end with an empty line.
            while True:
                while b"\r\n" not in data:
                    data += client._recv()
                line, _, data = data.partition(b"\r\n")
                if not line:
                    return b"".join(chunks), data
        while len(data) < size + 2:
            data += client._recv()
        chunks.append(data[:size])
        data = data[size + 2 :]


def read_to_end(client, data):
    chunks = [data]
    try:
        while True:
            chunks.append(client._recv())
    except ConnectionAbortedError:
        pass
    return b"".join(chunks)
'''


_RARE_JSON = r'''
# JSON exactly as simplejson writes and reads it, for what the _json accelerator cannot do.

_INFINITY = float("inf")


class _RawJson:
    """Already encoded JSON to write as it is, as simplejson's RawJSON."""

    def __init__(self, encoded_json):
        self.encoded_json = encoded_json


def _json_default(obj):
    """awslambdaric's Encoder.default."""
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(obj, decimal.Decimal):
        return float("nan") if obj.is_nan() else _RawJson(str(obj))
    raise TypeError("Object of type %s is not JSON serializable" % obj.__class__.__name__)


def _c_type_name(cls):
    """The name simplejson's C encoder puts in its messages: the type's tp_name, which is
    qualified by its module for types defined in C (immutable ones) and not for classes."""
    if not cls.__flags__ & 256 or cls.__module__ == "builtins":  # 256: Py_TPFLAGS_IMMUTABLETYPE
        return cls.__name__
    return "%s.%s" % (cls.__module__, cls.__name__)


def _call_method(obj, name):
    method = getattr(obj, name, None)
    if callable(method):
        try:
            return (method(),)
        except TypeError:
            pass
    return None


def to_json_exactly(obj):
    """obj as simplejson writes it with awslambdaric's settings, in pure Python."""
    escape = _string_escaper()
    parts = []
    add = parts.append
    markers = {}
    raw_json = sys.modules.get("simplejson.raw_json")
    raw_types = (_RawJson, raw_json.RawJSON) if raw_json is not None else _RawJson

    def number(value):
        if value != value:
            return "NaN"
        if value == _INFINITY:
            return "Infinity"
        if value == -_INFINITY:
            return "-Infinity"
        return repr(value if type(value) is float else float(value))

    def mark(value):
        key = id(value)
        if key in markers:
            raise ValueError("Circular reference detected")
        markers[key] = value
        return key

    def encode(value):
        if isinstance(value, str):
            add(escape(value))
        elif isinstance(value, bytes):
            add(escape(str(value, "utf-8")))
        elif isinstance(value, raw_types):
            add(value.encoded_json)
        elif value is None:
            add("null")
        elif value is True:
            add("true")
        elif value is False:
            add("false")
        elif isinstance(value, int):
            add(str(value if type(value) is int else int(value)))
        elif isinstance(value, float):
            add(number(value))
        else:
            as_dict = _call_method(value, "_asdict")
            if as_dict is not None:
                if not isinstance(as_dict[0], dict):
                    raise TypeError("_asdict() must return a dict, not %s" % _c_type_name(type(as_dict[0])))
                encode_dict(as_dict[0])
            elif isinstance(value, (list, tuple)):
                encode_list(value)
            elif isinstance(value, dict):
                encode_dict(value)
            else:
                key = mark(value)
                encode(_json_default(value))
                del markers[key]

    def encode_list(values):
        if not values:
            add("[]")
            return
        key = mark(values)
        add("[")
        first = True
        for value in values:
            if first:
                first = False
            else:
                add(", ")
            encode(value)
        add("]")
        del markers[key]

    def encode_dict(values):
        if not values:
            add("{}")
            return
        key = mark(values)
        add("{")
        first = True
        for name, value in values.items():
            if isinstance(name, str):
                pass
            elif isinstance(name, bytes):
                name = str(name, "utf-8")
            elif isinstance(name, float):
                name = number(name)
            elif name is True:
                name = "true"
            elif name is False:
                name = "false"
            elif name is None:
                name = "null"
            elif isinstance(name, int):
                name = str(name if type(name) is int else int(name))
            else:
                raise TypeError("keys must be str, int, float, bool or None, not %s" % _c_type_name(type(name)))
            if first:
                first = False
            else:
                add(", ")
            add(escape(name))
            add(": ")
            encode(value)
        add("}")
        del markers[key]

    try:
        encode(obj)
    except RecursionError:
        raise RecursionError("maximum recursion depth exceeded while encoding a JSON object") from None
    return "".join(parts)


_header_scanner = None


def parse_header_json(text):
    """A header's JSON as the standard library's json.loads reads it, as awslambdaric does."""
    global _header_scanner
    if _header_scanner is None:
        _header_scanner = _make_scanner({"NaN": float("nan"), "Infinity": _INFINITY, "-Infinity": -_INFINITY}.__getitem__)
    if _header_scanner:
        try:
            value, end = _header_scanner(text, _skip_whitespace(text, 0))
            if _skip_whitespace(text, end) == len(text):
                return value
        except Exception:
            pass
    import json

    return json.loads(text)


def parse_context_headers(client_context, cognito_identity):
    try:
        if client_context is not None:
            client_context = parse_header_json(client_context)
    except Exception as error:
        raise _Fault("Runtime.LambdaContextUnmarshalError", "Unable to parse Client Context JSON: %s" % error) from None
    try:
        if cognito_identity is not None:
            cognito_identity = parse_header_json(cognito_identity)
    except Exception as error:
        raise _Fault(
            "Runtime.LambdaContextUnmarshalError", "Unable to parse Cognito Identity JSON: %s" % error
        ) from None
    return client_context, cognito_identity


def _decode_error(message, text, position, end=None):
    def line_and_column(at):
        line = text.count("\n", 0, at) + 1
        return line, (at + 1 if line == 1 else at - text.rindex("\n", 0, at))

    message = message.replace("%r", repr(text[position : position + 1]))
    line, column = line_and_column(position)
    if end is None:
        return ValueError("%s: line %d column %d (char %d)" % (message, line, column, position))
    end_line, end_column = line_and_column(end)
    return ValueError(
        "%s: line %d column %d - line %d column %d (char %d - %d)"
        % (message, line, column, end_line, end_column, position, end)
    )


_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_DIGITS = frozenset("0123456789")
_EXPECTING_VALUE = "Expecting value"
_UNTERMINATED = "Unterminated string starting at"
_BAD_UNICODE_ESCAPE = "Invalid \\uXXXX escape sequence"


class SimplejsonDecoder:
    """A JSON decoder that accepts and refuses exactly what simplejson's C scanner does, with its
    messages and positions. Used when the fast path fails, to say why."""

    def __init__(self, text):
        self.text = text
        self.last = len(text) - 1

    def decode(self, start):
        text = self.text
        try:
            value, end = self.value(_skip_whitespace(text, start))
        except RecursionError:
            raise RecursionError("maximum recursion depth exceeded while decoding a JSON object from a string") from None
        end = _skip_whitespace(text, end)
        if end != len(text):
            raise _decode_error("Extra data", text, end, len(text))
        return value

    def value(self, index):
        text = self.text
        if index < 0 or index > self.last:
            raise _decode_error(_EXPECTING_VALUE, text, index)
        char = text[index]
        if char == '"':
            return self.string(index + 1)
        if char == "{":
            return self.object(index + 1)
        if char == "[":
            return self.array(index + 1)
        for literal, value in (("null", None), ("true", True), ("false", False)):
            if text.startswith(literal, index):
                return value, index + len(literal)
        # NaN and Infinity fail here too: simplejson refuses them by default.
        return self.number(index)

    def number(self, start):
        text, last, digits = self.text, self.last, _DIGITS
        index = start
        if text[index] == "-":
            if index >= last:
                raise _decode_error(_EXPECTING_VALUE, text, start)
            index += 1
        if text[index] == "0":
            index += 1
        elif text[index] in digits:
            index += 1
            while index <= last and text[index] in digits:
                index += 1
        else:
            raise _decode_error(_EXPECTING_VALUE, text, start)
        is_float = False
        if index < last and text[index] == "." and text[index + 1] in digits:
            is_float = True
            index += 2
            while index <= last and text[index] in digits:
                index += 1
        if index < last and text[index] in "eE":
            exponent = index
            index += 1
            if index < last and text[index] in "-+":
                index += 1
            while index <= last and text[index] in digits:
                index += 1
            if text[index - 1] in digits:
                is_float = True
            else:
                index = exponent
        literal = text[start:index]
        return (float(literal) if is_float else int(literal)), index

    def string(self, end):
        text, length = self.text, len(self.text)
        begin = end - 1
        if end >= length:
            raise _decode_error(_UNTERMINATED, text, begin)
        chunks = []
        while True:
            index = end
            while index < length:
                char = text[index]
                if char == '"' or char == "\\":
                    break
                if char <= "\x1f":
                    raise _decode_error("Invalid control character %r at", text, index)
                index += 1
            else:
                raise _decode_error(_UNTERMINATED, text, begin)
            chunks.append(text[end:index])
            index += 1
            if char == '"':
                return "".join(chunks), index
            if index == length:
                raise _decode_error(_UNTERMINATED, text, begin)
            char = text[index]
            if char != "u":
                end = index + 1
                if char not in _ESCAPES:
                    raise _decode_error("Invalid \\X escape sequence %r", text, end - 2)
                chunks.append(_ESCAPES[char])
                continue
            index += 1
            end = index + 4
            if end > length:
                raise _decode_error(_BAD_UNICODE_ESCAPE, text, index - 2)
            if not _HEX_DIGITS.issuperset(text[index:end]):
                raise _decode_error(_BAD_UNICODE_ESCAPE, text, end - 6)
            code = int(text[index:end], 16)
            if code & 0xFC00 == 0xD800 and end + 6 <= length and text[end : end + 2] == "\\u":
                if not _HEX_DIGITS.issuperset(text[end + 2 : end + 6]):
                    raise _decode_error(_BAD_UNICODE_ESCAPE, text, end)
                low = int(text[end + 2 : end + 6], 16)
                if low & 0xFC00 == 0xDC00:
                    code = 0x10000 + (((code - 0xD800) << 10) | (low - 0xDC00))
                    end += 6
            chunks.append(chr(code))

    def object(self, index):
        text, last = self.text, self.last
        result = {}
        index = _skip_whitespace(text, index)
        parsed = False
        if index <= last and text[index] != "}":
            trailing_comma = False
            while index <= last:
                trailing_comma = False
                if text[index] != '"':
                    raise _decode_error("Expecting property name enclosed in double quotes", text, index)
                key, index = self.string(index + 1)
                index = _skip_whitespace(text, index)
                if index > last or text[index] != ":":
                    raise _decode_error("Expecting ':' delimiter", text, index)
                result[key], index = self.value(_skip_whitespace(text, index + 1))
                index = _skip_whitespace(text, index)
                parsed = True
                if index > last or text[index] == "}":
                    break
                if text[index] != ",":
                    raise _decode_error("Expecting ',' delimiter or '}'", text, index)
                index = _skip_whitespace(text, index + 1)
                trailing_comma = True
                if index <= last and text[index] == "}":
                    raise _decode_error("Illegal trailing comma before end of object", text, index)
            if trailing_comma:
                raise _decode_error("Expecting property name enclosed in double quotes", text, index)
        if index > last or text[index] != "}":
            if parsed:
                raise _decode_error("Expecting ',' delimiter or '}'", text, index)
            raise _decode_error("Expecting property name enclosed in double quotes or '}'", text, index)
        return result, index + 1

    def array(self, index):
        text, last = self.text, self.last
        result = []
        index = _skip_whitespace(text, index)
        if index <= last and text[index] != "]":
            trailing_comma = False
            while index <= last:
                trailing_comma = False
                value, index = self.value(index)
                result.append(value)
                index = _skip_whitespace(text, index)
                if index > last or text[index] == "]":
                    break
                if text[index] != ",":
                    raise _decode_error("Expecting ',' delimiter or ']'", text, index)
                index = _skip_whitespace(text, index + 1)
                trailing_comma = True
                if index <= last and text[index] == "]":
                    raise _decode_error("Illegal trailing comma before end of array", text, index)
            if trailing_comma:
                raise _decode_error(_EXPECTING_VALUE, text, index)
        if index > last or text[index] != "]":
            if result:
                raise _decode_error("Expecting ',' delimiter or ']'", text, index)
            raise _decode_error("Expecting value or ']'", text, index)
        return result, index + 1
'''


_RARE_ERRORS = r'''
# Error documents, X-Ray causes and error log lines, as awslambdaric makes them.

_XRAY_HEADER_LIMIT = 1024 * 1024
_UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. To determine if the runtime has been updated, check the "
    "runtime version in the INIT_START log entry. If this error correlates with a change in the "
    "runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)


def _error_document(message, error_type, stack_trace, request_id=None):
    return {
        "errorMessage": message if message else "",
        "errorType": error_type if error_type else "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _exception_frames(tb):
    """The traceback's frames as (file, line, function, code), as awslambdaric reports them:
    without this runtime's own frames at the top."""
    import traceback

    frames = [(frame.filename, frame.lineno, frame.name, frame.line) for frame in traceback.extract_tb(tb)]
    for index, frame in enumerate(frames):
        if "/bootstrap.py" not in frame[0] and frame[0] != __file__:
            frames = frames[index:]
            break
    if frames and frames[0][2] == "_gcd_import" and frames[0][0] == "<frozen importlib._bootstrap>":
        # load_handler calls what importlib.import_module calls; put back the frame Lambda shows.
        frames.insert(0, _import_module_frame())
    return frames


def _import_module_frame():
    import importlib
    import linecache

    code = importlib.import_module.__code__
    lines = linecache.getlines(code.co_filename)
    for number in range(code.co_firstlineno, min(len(lines), code.co_firstlineno + 60) + 1):
        if "_gcd_import(" in lines[number - 1]:
            return code.co_filename, number, "import_module", lines[number - 1].strip()
    return code.co_filename, code.co_firstlineno, "import_module", ""


def _exception_document(error, request_id=None):
    """The error document and X-Ray cause for an exception from the function's code."""
    import traceback

    frames = _exception_frames(error.__traceback__)
    try:
        message = str(error)
    except Exception:
        message = "<exception str() failed>"
    error_type = type(error).__name__
    return (
        _error_document(message, error_type, traceback.format_list(frames), request_id),
        _xray_cause(error_type, message, frames),
    )


def _xray_cause(error_type, message, frames):
    try:
        working_directory = os.getcwd()
    except OSError:
        working_directory = ""
    return {
        "working_directory": working_directory,
        "exceptions": [
            {
                "message": message,
                "type": error_type,
                "stack": [{"label": name, "path": path, "line": line} for path, line, name, _ in frames],
            }
        ],
        "paths": list({frame[0] for frame in frames}),
    }


def _log_error(document):
    if _JSON_LOGS:
        record = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "log_level": "ERROR"}
        record.update(document)
        sys.stdout.write(to_json(record) + "\n")
        return
    description = "[ERROR]"
    if document["errorType"]:
        description += " " + document["errorType"]
    if document["errorMessage"]:
        if document["errorType"]:
            description += ":"
        description += " " + document["errorMessage"]
    lines = [description, "Traceback (most recent call last):"]
    for element in document["stackTrace"]:
        if element == "":
            lines.append("")
            continue
        for line in element.splitlines():
            stripped = line.lstrip(" ")
            lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    # One log record: joined with CR, so that a reader splitting lines at LF keeps it whole.
    sys.stdout.write("\r".join(lines) + "\n")


def report_invocation_error(client, request_id, error):
    if isinstance(error, _Fault):
        document = _error_document(error.message, error.error_type, error.trace, request_id)
        cause = _xray_cause("LambdaValidationError", error.message, [])
    else:
        document, cause = _exception_document(error, request_id)
    _log_error(document)
    _flush_std_streams()
    headers = [("Content-Type", "application/json")]
    cause = to_json(cause).encode("utf-8", "backslashreplace")
    if len(cause) < _XRAY_HEADER_LIMIT:
        headers.append(("Lambda-Runtime-Function-XRay-Error-Cause", cause.decode("utf-8")))
    path = "%s/invocation/%s/error" % (_RUNTIME_PATH, request_id)
    payload = to_json(document).encode("utf-8", "backslashreplace")
    if _post(client, path, payload, headers) == 431 and len(headers) > 1:
        # The Runtime API would not take a header that big: report the error without its cause.
        _post(client, path, payload, headers[:1])


def report_init_error(client, error):
    """Reports a failure to load the handler as awslambdaric does, then exits."""
    if isinstance(error, _Fault):
        document = _error_document(error.message, error.error_type, error.trace)
    else:
        document = _exception_document(error)[0]
    warn(_UNHANDLED_WARNING)
    _log_error(document)
    _flush_std_streams()
    try:
        status, _, body = client.post(
            _RUNTIME_PATH + "/init/error",
            to_json(document).encode("utf-8", "backslashreplace"),
            [("Content-Type", "application/json"), ("Lambda-Runtime-Function-Error-Type", document["errorType"])],
        )
        if status != 202:
            _say("the Runtime API answered %d to the init error: %r" % (status, bytes(body[:1000])))
    except OSError as error:
        _say("cannot report the init error to the Runtime API: %s" % error)
    sys.exit(1)


def warn(message):
    import logging  # configured as it is imported

    _configure_logging_if_imported()
    logging.warning(message)


def warn_preview_runtime():
    if not os.environ.get("LAMBDA_DISABLE_PREVIEW_WARN"):
        docs = "docs.amazonaws.cn" if os.environ.get("AWS_REGION", "").startswith("cn-") else "docs.aws.amazon.com"
        warn(
            "LAMBDA_WARNING: This is a preview runtime version and should not be used for production "
            "workloads. For further information and to provide feedback, see "
            "https://%s/lambda/latest/dg/lambda-runtimes.html\r" % docs
        )
'''


_RARE_LOGGING = r'''
# The root logger's handler and formats.

def configure_logging(logging):
    """Configures the root logger of this logging module as awslambdaric does."""
    global _logging_configured
    if _logging_configured:
        return
    _logging_configured = True
    logging.Formatter.converter = time.gmtime

    class LambdaLoggerHandler(logging.Handler):
        """Writes records to stdout, where the agent collects the function's log."""

        def emit(self, record):
            sys.stdout.write(self.format(record))

    class LambdaLoggerFilter(logging.Filter):
        """Adds the invocation's request and tenant ids to every record."""

        def filter(self, record):
            record.aws_request_id = _request_id or ""
            record.tenant_id = _tenant_id
            return True

    handler = LambdaLoggerHandler()
    if _JSON_LOGS:
        handler.setFormatter(_json_log_formatter(logging)())
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                "%Y-%m-%dT%H:%M:%S",
            )
        )
    root = logging.getLogger()
    if _LOG_LEVEL in logging._nameToLevel:
        root.setLevel(_LOG_LEVEL)
    handler.addFilter(LambdaLoggerFilter())
    root.addHandler(handler)


_RESERVED_RECORD_FIELDS = frozenset(
    "name msg args levelname levelno pathname filename module exc_info exc_text stack_info lineno "
    "funcName created msecs relativeCreated thread threadName processName process aws_request_id "
    "tenant_id _frame_type".split()
)


def _json_log_formatter(logging):
    import json

    encode = json.JSONEncoder(ensure_ascii=False).encode

    class JsonFormatter(logging.Formatter):
        """Lambda's JSON log format: one object per record."""

        def __init__(self):
            super().__init__(datefmt="%Y-%m-%dT%H:%M:%SZ")

        def format(self, record):
            record.levelno = min(50, max(0, record.levelno)) // 10 * 10
            record.levelname = logging.getLevelName(record.levelno)
            error = record.exc_info
            stack_trace = None
            if error:
                import traceback

                stack_trace = traceback.format_tb(error[2])
            result = {
                "timestamp": self.formatTime(record, self.datefmt),
                "level": record.levelname,
                "message": record.getMessage(),
                "logger": record.name,
                "stackTrace": stack_trace,
                "errorType": error[0].__name__ if error else None,
                "errorMessage": str(error[1]) if error else None,
                "requestId": getattr(record, "aws_request_id", None),
                "location": "%s:%s:%s" % (record.pathname, record.funcName, record.lineno) if error else None,
            }
            if getattr(record, "tenant_id", None) is not None:
                result["tenantId"] = record.tenant_id
            for key, value in record.__dict__.items():
                if key not in _RESERVED_RECORD_FIELDS and key not in result:
                    result[key] = value
            return encode({key: value for key, value in result.items() if value is not None}) + "\n"

    return JsonFormatter
'''


if __name__ == "__main__":
    main()
