"""The hand-written HTTP/1.1 client, against a raw socket server."""

import importlib
import queue
import socket
import sys
import threading

import pytest

from fake_runtime_api import BOOTSTRAP

sys.path.insert(0, str(BOOTSTRAP.parent))
bootstrap = importlib.import_module("bootstrap")


class RawServer:
    """Accepts connections and answers each request from a script of raw responses."""

    def __init__(self, answers, close_after_each=False):
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._answers = list(answers)
        self._close_after_each = close_after_each
        self.requests = queue.Queue()
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def address(self):
        return "127.0.0.1:%d" % self._listener.getsockname()[1]

    def _serve(self):
        while self._answers:
            connection, _ = self._listener.accept()
            self.connections += 1
            with connection:
                data = b""
                while self._answers:
                    while b"\r\n\r\n" not in data:
                        chunk = connection.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    if b"\r\n\r\n" not in data:
                        break
                    head, _, data = data.partition(b"\r\n\r\n")
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    while len(data) < length:
                        data += connection.recv(65536)
                    self.requests.put(head + b"\r\n\r\n" + data[:length])
                    data = data[length:]
                    connection.sendall(self._answers.pop(0))
                    if self._close_after_each:
                        break

    def close(self):
        self._listener.close()


@pytest.fixture
def server_with():
    servers = []

    def make(answers, **options):
        server = RawServer(answers, **options)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


def test_sends_each_request_in_one_piece_with_content_length(server_with):
    server = server_with([b"HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}"])
    client = bootstrap.RuntimeApiClient(server.address)

    status, headers, body = client.post("/p", b"{}", [("Content-Type", "application/json")])

    assert (status, body) == (202, b'{"status":"OK"}')
    request = server.requests.get(timeout=5)
    assert request.startswith(b"POST /p HTTP/1.1\r\nHost: %s\r\n" % server.address.encode())
    assert b"\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}" in request


def test_reconnects_once_when_the_kept_alive_connection_was_closed(server_with):
    ok = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
    server = server_with([ok, ok], close_after_each=True)
    client = bootstrap.RuntimeApiClient(server.address)

    assert client.post("/a", b"1", [])[0] == 202
    assert client.post("/b", b"2", [])[0] == 202
    assert server.connections == 2


def test_honours_connection_close_and_reads_to_the_end_without_a_length(server_with):
    server = server_with(
        [
            b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r\r\nConnection: close\r\n\r\nabc",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nlambda-runtime-aws-request-id: s\r\nContent-Length: 1\r\n\r\nd",
        ],
        close_after_each=True,
    )
    client = bootstrap.RuntimeApiClient(server.address)

    first = client.next_invocation()
    second = client.next_invocation()

    assert (first[0], first[1]["lambda-runtime-aws-request-id"], first[2]) == (200, "r", b"abc")
    assert (second[0], second[1]["lambda-runtime-aws-request-id"], bytes(second[2])) == (200, "s", b"d")


class RecordingSocket:
    """Wraps the client's socket and records what it sends."""

    def __init__(self, sock):
        self._sock = sock
        self.sent = []

    def sendall(self, data):
        self.sent.append(bytes(data))
        return self._sock.sendall(data)

    def __getattr__(self, name):
        return getattr(self._sock, name)


def test_writes_each_request_with_one_send_on_a_no_delay_socket(server_with):
    ok = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
    server = server_with([ok, ok])
    client = bootstrap.RuntimeApiClient(server.address)
    client.post("/a", b"first", [])
    recorder = client._sock = RecordingSocket(client._sock)

    client.post("/b", b"x" * 100000, [("Content-Type", "application/json")])

    assert recorder.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    assert len(recorder.sent) == 1
    assert recorder.sent[0].startswith(b"POST /b HTTP/1.1\r\n")
    assert recorder.sent[0].endswith(b"Content-Length: 100000\r\n\r\n" + b"x" * 100000)
