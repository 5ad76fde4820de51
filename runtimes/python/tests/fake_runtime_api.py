"""A Runtime API for the bootstrap's tests: it hands out queued invocations on 127.0.0.1 and
records every request the runtime makes, and runs the real bootstrap.py against it."""

import json
import os
import queue
import subprocess
import sys
import tempfile
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BOOTSTRAP = Path(__file__).resolve().parent.parent / "bootstrap.py"
# The interpreter that runs the bootstrap; another one can be tried with BOOTSTRAP_TEST_PYTHON.
PYTHON = os.environ.get("BOOTSTRAP_TEST_PYTHON") or sys.executable
NEXT = "/2018-06-01/runtime/invocation/next"
TIMEOUT = 10


class Request:
    """One request the runtime made."""

    def __init__(self, method, path, headers, body, client_port):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.client_port = client_port

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "Request(%s %s %r)" % (self.method, self.path, self.body[:200])


class FakeRuntimeApi:
    """The fake API. Queue invocations with invoke(); read what the runtime sent with post()."""

    def __init__(self):
        self._invocations = queue.Queue()
        self._posts = queue.Queue()
        self.requests = []
        self.next_calls = queue.Queue()
        self.statuses = {}  # path suffix -> the status to answer a POST with (default 202)
        self.on_post = None  # called with each POST before it is answered
        self._stopped = threading.Event()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _record(self, body):
                request = Request(self.command, self.path, self.headers, body, self.client_address[1])
                api.requests.append(request)
                return request

            def do_GET(self):
                request = self._record(b"")
                if self.path != NEXT:
                    self.send_error(404)
                    return
                api.next_calls.put(request)
                while not api._stopped.is_set():
                    try:
                        invocation = api._invocations.get(timeout=0.05)
                        break
                    except queue.Empty:
                        continue
                else:
                    return
                request_id, body, headers, chunked = invocation
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
                for name, value in headers.items():
                    self.send_header(name, value)
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    middle = len(body) // 2
                    for part in (body[:middle], body[middle:]):
                        if part:
                            self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(part), part))
                    self.wfile.write(b"0\r\nX-Trailer: yes\r\n\r\n")
                else:
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                self.wfile.flush()

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                request = self._record(body)
                if api.on_post is not None:
                    api.on_post(request)
                status = next((s for suffix, s in api.statuses.items() if self.path.endswith(suffix)), 202)
                answer = b'{"status":"OK"}' if status == 202 else b'{"errorMessage":"no","errorType":"Test"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                api._posts.put(request)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)
        self._thread.start()

    @property
    def address(self):
        return "127.0.0.1:%d" % self._server.server_address[1]

    def invoke(self, request_id, event=b"{}", headers=None, chunked=False):
        """Queues an invocation; headers default to what klambda's agent sends."""
        all_headers = {
            "Lambda-Runtime-Deadline-Ms": "9999999999999",
            "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:000000000000:function:fn",
            "Content-Type": "application/json",
        }
        all_headers.update(headers or {})
        self._invocations.put((request_id, event, all_headers, chunked))

    def post(self, timeout=TIMEOUT):
        """The next POST the runtime made."""
        return self._posts.get(timeout=timeout)

    def close(self):
        self._stopped.set()
        self._server.shutdown()
        self._server.server_close()


class Runtime:
    """bootstrap.py running against a FakeRuntimeApi, with a handler module in a temporary task root."""

    def __init__(self, api, task_root, handler="handler.handler", env=None, python_flags=()):
        self.task_root = Path(task_root)
        self._stdout = tempfile.TemporaryFile()
        self._stderr = tempfile.TemporaryFile()
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "_HANDLER": handler,
            "LAMBDA_TASK_ROOT": str(self.task_root),
            "LAMBDA_RUNTIME_DIR": str(BOOTSTRAP.parent.parent),
            "PYTHONPATH": str(BOOTSTRAP.parent),
            "AWS_LAMBDA_FUNCTION_NAME": "fn",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "TZ": ":UTC",
        }
        environment.update(env or {})
        self.process = subprocess.Popen(
            [PYTHON, *python_flags, str(BOOTSTRAP)],
            cwd=str(self.task_root),
            env={k: v for k, v in environment.items() if v is not None},
            stdin=subprocess.DEVNULL,
            stdout=self._stdout,
            stderr=self._stderr,
        )

    @staticmethod
    def _read(file):
        file.seek(0)
        return file.read().decode("utf-8", "replace")

    @property
    def stdout(self):
        """Everything the runtime has written to stdout so far."""
        return self._read(self._stdout)

    @property
    def stderr(self):
        return self._read(self._stderr)

    def wait(self, timeout=TIMEOUT):
        return self.process.wait(timeout=timeout)

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=TIMEOUT)
        self._stdout.close()
        self._stderr.close()


def write_module(directory, name, source):
    path = Path(directory) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path
