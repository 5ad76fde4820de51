"""Error documents, error types and error log lines, as awslambdaric produces them."""

import json

import pytest

INIT_ERROR = "/2018-06-01/runtime/init/error"
ERROR_LOG_START = "[ERROR] "


def test_a_handler_exception_is_posted_as_awslambdarics_error_document(api, start):
    runtime = start(
        """
        def handler(event, context):
            raise ValueError("boom")
        """
    )
    api.invoke("req-1")

    post = api.post()

    source = str(runtime.task_root / "handler.py")
    frame = '  File "%s", line 3, in handler\n    raise ValueError("boom")\n' % source
    assert post.path == "/2018-06-01/runtime/invocation/req-1/error"
    assert post.headers["Content-Type"] == "application/json"
    # byte for byte what awslambdaric's simplejson encoder writes
    assert post.body == json.dumps(
        {"errorMessage": "boom", "errorType": "ValueError", "requestId": "req-1", "stackTrace": [frame]}
    ).encode()
    # awslambdaric sends no error type header for an invocation error, only the X-Ray cause
    assert "Lambda-Runtime-Function-Error-Type" not in post.headers
    assert json.loads(post.headers["Lambda-Runtime-Function-XRay-Error-Cause"]) == {
        "working_directory": str(runtime.task_root),
        "exceptions": [
            {"message": "boom", "type": "ValueError", "stack": [{"label": "handler", "path": source, "line": 3}]}
        ],
        "paths": [source],
    }
    assert (
        '[ERROR] ValueError: boom\rTraceback (most recent call last):\r\u00a0\u00a0File "%s", line 3, in handler'
        '\r\u00a0\u00a0\u00a0\u00a0raise ValueError("boom")\n' % source
    ) in runtime.stdout


def test_frames_of_the_functions_own_helpers_are_kept(api, start):
    runtime = start(
        """
        import helper
        def handler(event, context):
            return helper.fail(event)
        """,
        files={"helper.py": "def fail(event):\n    return event['missing']\n"},
    )
    api.invoke("req-1")

    error = api.post().json()

    assert error["errorType"] == "KeyError"
    assert error["errorMessage"] == "'missing'"
    assert error["stackTrace"] == [
        '  File "%s", line 4, in handler\n    return helper.fail(event)\n' % (runtime.task_root / "handler.py"),
        '  File "%s", line 2, in fail\n    return event[\'missing\']\n' % (runtime.task_root / "helper.py"),
    ]


def test_the_runtime_keeps_serving_after_a_handler_exception(api, start):
    start("def handler(event, context):\n    if event: raise Exception('x')\n    return 'ok'\n")
    api.invoke("req-1", b"1")
    api.invoke("req-2", b"0")

    assert api.post().path.endswith("/req-1/error")
    assert api.post().body == b'"ok"'


@pytest.mark.parametrize(
    "source, handler, error_type, message",
    [
        pytest.param(
            "def handler(e, c): pass\n",
            "missing.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'missing': No module named 'missing'",
            id="module not found",
        ),
        pytest.param(
            "import not_installed\ndef handler(e, c): pass\n",
            "handler.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'handler': No module named 'not_installed'",
            id="dependency not found",
        ),
        pytest.param(
            "def handler(e, c): pass\n",
            "handler.nope",
            "Runtime.HandlerNotFound",
            "Handler 'nope' missing on module 'handler'",
            id="function not found",
        ),
        pytest.param(
            "def handler(e, c): pass\n",
            "handler",
            "Runtime.MalformedHandlerName",
            "Bad handler 'handler': not enough values to unpack (expected 2, got 1)",
            id="malformed handler name",
        ),
        pytest.param(
            "def handler(e, c): pass\n",
            "sys.handler",
            "Runtime.BuiltInModuleConflict",
            "Cannot use built-in module sys as a handler module",
            id="built-in module",
        ),
    ],
)
def test_init_errors_are_posted_with_their_error_type_and_the_runtime_exits(
    api, start, source, handler, error_type, message
):
    runtime = start(source, handler=handler)

    post = api.post()

    assert post.path == INIT_ERROR
    assert post.headers["Lambda-Runtime-Function-Error-Type"] == error_type
    assert post.body == json.dumps(
        {"errorMessage": message, "errorType": error_type, "requestId": "", "stackTrace": []}
    ).encode()
    assert runtime.wait() == 1
    stdout = runtime.stdout
    assert "\t\tLAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code." in stdout
    assert "[ERROR] %s: %s\rTraceback (most recent call last):\n" % (error_type, message) in stdout
    assert not [request for request in api.requests if request.method == "GET"]


def test_a_syntax_error_is_a_user_code_syntax_error(api, start):
    runtime = start("def handler(event, context):\n    return (\n")

    post = api.post()

    error = post.json()
    assert post.headers["Lambda-Runtime-Function-Error-Type"] == "Runtime.UserCodeSyntaxError"
    assert error["errorType"] == "Runtime.UserCodeSyntaxError"
    assert error["errorMessage"].startswith("Syntax error in module 'handler': ")
    assert error["errorMessage"].endswith("(handler.py, line 2)")
    assert error["stackTrace"] == ['  File "%s" Line 2\n        return (\n' % (runtime.task_root / "handler.py")]
    assert runtime.wait() == 1


def test_an_exception_raised_at_import_keeps_importlibs_frames_as_on_lambda(api, start):
    runtime = start('raise Exception("Runtime startup fails")\n')

    post = api.post()

    error = post.json()
    assert post.path == INIT_ERROR
    assert post.headers["Lambda-Runtime-Function-Error-Type"] == "Exception"
    assert error["errorMessage"] == "Runtime startup fails"
    assert error["errorType"] == "Exception"
    assert error["requestId"] == ""
    assert "importlib/__init__.py" in error["stackTrace"][0]
    assert "in import_module" in error["stackTrace"][0]
    assert any("<frozen importlib._bootstrap>" in frame for frame in error["stackTrace"])
    assert error["stackTrace"][-1] == (
        '  File "%s", line 1, in <module>\n    raise Exception("Runtime startup fails")\n'
        % (runtime.task_root / "handler.py")
    )
    assert runtime.wait() == 1


def test_a_result_that_is_not_serialisable_is_a_marshal_error(api, start):
    runtime = start("def handler(event, context):\n    return {1, 2} if event else 'ok'\n")
    api.invoke("req-1", b"true")
    api.invoke("req-2", b"false")

    post = api.post()

    assert post.path.endswith("/req-1/error")
    assert post.body == (
        b'{"errorMessage": "Unable to marshal response: Object of type set is not JSON serializable", '
        b'"errorType": "Runtime.MarshalError", "requestId": "req-1", "stackTrace": []}'
    )
    assert json.loads(post.headers["Lambda-Runtime-Function-XRay-Error-Cause"])["exceptions"][0]["type"] == (
        "LambdaValidationError"
    )
    assert (
        "[ERROR] Runtime.MarshalError: Unable to marshal response: Object of type set is not JSON serializable"
        "\rTraceback (most recent call last):\n" in runtime.stdout
    )
    assert api.post().body == b'"ok"'


@pytest.mark.parametrize(
    "event, message",
    [
        (b"{", "Expecting property name enclosed in double quotes or '}': line 1 column 2 (char 1)"),
        (b"NaN", "Expecting value: line 1 column 1 (char 0)"),
        (b'{"a": 1} x', "Extra data: line 1 column 10 - line 1 column 11 (char 9 - 10)"),
        (b"[1,]", "Illegal trailing comma before end of array: line 1 column 4 (char 3)"),
        (b"\xff", "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
        (b"", "Expecting value: line 1 column 1 (char 0)"),
    ],
)
def test_an_event_that_simplejson_cannot_read_is_an_unmarshal_error(api, start, event, message):
    start("def handler(event, context):\n    return event\n")
    api.invoke("req-1", event)

    post = api.post()

    assert post.path.endswith("/req-1/error")
    assert post.json() == {
        "errorMessage": "Unable to unmarshal input: " + message,
        "errorType": "Runtime.UnmarshalError",
        "requestId": "req-1",
        "stackTrace": [],
    }


def test_a_client_context_that_is_not_json_is_a_context_unmarshal_error(api, start):
    start("def handler(event, context):\n    return event\n")
    api.invoke("req-1", headers={"Lambda-Runtime-Client-Context": "{bad"})

    assert api.post().json() == {
        "errorMessage": "Unable to parse Client Context JSON: "
        "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        "errorType": "Runtime.LambdaContextUnmarshalError",
        "requestId": "req-1",
        "stackTrace": [],
    }


def test_json_log_format_writes_errors_as_one_json_line(api, start):
    runtime = start(
        "def handler(event, context):\n    raise KeyError('x')\n",
        env={"AWS_LAMBDA_LOG_FORMAT": "JSON"},
    )
    api.invoke("req-1")
    api.post()

    line = next(line for line in runtime.stdout.splitlines() if '"log_level": "ERROR"' in line)
    record = json.loads(line)
    assert list(record) == ["timestamp", "log_level", "errorMessage", "errorType", "requestId", "stackTrace"]
    assert record["errorType"] == "KeyError"
    assert record["errorMessage"] == "'x'"
    assert record["requestId"] == "req-1"
    assert record["timestamp"].endswith("Z")
