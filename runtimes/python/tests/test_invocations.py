"""The invocation loop: what the runtime posts for each invocation, over which connection, and
what the handler sees."""

import json
import threading
import time

import pytest

RESPONSE = "/2018-06-01/runtime/invocation/%s/response"


def test_posts_the_handler_result_as_json_with_awslambdarics_separators(api, start):
    start(
        """
        def handler(event, context):
            return {"echo": event, "list": [1, 2.5, None, True, False], "text": "a\\"b"}
        """
    )
    api.invoke("req-1", b'{"a": {"b": [1]}}')

    post = api.post()

    assert post.path == RESPONSE % "req-1"
    assert post.headers["Content-Type"] == "application/json"
    assert post.body == b'{"echo": {"a": {"b": [1]}}, "list": [1, 2.5, null, true, false], "text": "a\\"b"}'


def test_context_has_awslambdarics_attributes_and_types(api, start):
    start(
        """
        def handler(event, context):
            identity, client_context = context.identity, context.client_context
            return {
                "aws_request_id": context.aws_request_id,
                "function_name": context.function_name,
                "function_version": context.function_version,
                "invoked_function_arn": context.invoked_function_arn,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "log_group_name": context.log_group_name,
                "log_stream_name": context.log_stream_name,
                "tenant_id": context.tenant_id,
                "cognito": [identity.cognito_identity_id, identity.cognito_identity_pool_id],
                "custom": client_context.custom,
                "env": client_context.env,
                "client": [client_context.client.app_title, client_context.client.installation_id,
                           client_context.client.app_package_name],
                "remaining": context.get_remaining_time_in_millis(),
                "repr": repr(context),
            }
        """
    )
    deadline = int(time.time() * 1000) + 60000
    api.invoke(
        "req-1",
        headers={
            "Lambda-Runtime-Deadline-Ms": str(deadline),
            "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:000000000000:function:fn:live",
            # header names are case-insensitive
            "lambda-runtime-client-context": json.dumps(
                {"custom": {"k": "v"}, "env": {"e": "1"}, "client": {"app_title": "t", "installation_id": "i"}}
            ),
            "LAMBDA-RUNTIME-COGNITO-IDENTITY": '{"cognitoIdentityId": "cid", "cognitoIdentityPoolId": "pool"}',
            "Lambda-Runtime-Aws-Tenant-Id": "tenant-1",
        },
    )

    context = api.post().json()

    assert 50000 < context.pop("remaining") <= 60000
    assert context.pop("repr").startswith(
        "LambdaContext([aws_request_id=req-1,log_group_name=/aws/lambda/fn,log_stream_name=2026/01/01/"
    )
    assert context == {
        "aws_request_id": "req-1",
        "function_name": "fn",
        "function_version": "$LATEST",
        "invoked_function_arn": "arn:aws:lambda:us-east-1:000000000000:function:fn:live",
        "memory_limit_in_mb": "256",  # a string, as awslambdaric gives it
        "log_group_name": "/aws/lambda/fn",
        "log_stream_name": "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
        "tenant_id": "tenant-1",
        "cognito": ["cid", "pool"],
        "custom": {"k": "v"},
        "env": {"e": "1"},
        "client": ["t", "i", None],
    }


def test_context_without_optional_headers_has_empty_identity_and_no_client_context(api, start):
    start(
        """
        def handler(event, context):
            return [context.client_context, context.identity.cognito_identity_id, context.tenant_id,
                    repr(context.identity)]
        """
    )
    api.invoke("req-1")

    assert api.post().json() == [
        None,
        None,
        None,
        "CognitoIdentity([cognito_identity_id=None,cognito_identity_pool_id=None])",
    ]


def test_trace_id_is_set_for_an_invocation_that_has_one_and_unset_otherwise(api, start):
    start(
        """
        import os
        def handler(event, context):
            return os.environ.get("_X_AMZN_TRACE_ID")
        """
    )
    api.invoke("req-1", headers={"Lambda-Runtime-Trace-Id": "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1"})
    api.invoke("req-2")

    assert api.post().body == b'"Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1"'
    assert api.post().body == b"null"


def test_all_requests_share_one_kept_alive_connection(api, start):
    start("def handler(event, context):\n    return event\n")
    for number in range(3):
        api.invoke("req-%d" % number, b"%d" % number)

    bodies = [api.post().body for _ in range(3)]
    for _ in range(4):
        api.next_calls.get(timeout=10)

    assert bodies == [b"0", b"1", b"2"]
    assert [request.method for request in api.requests] == ["GET", "POST"] * 3 + ["GET"]
    assert len({request.client_port for request in api.requests}) == 1


def test_reads_a_chunked_next_response(api, start):
    start("def handler(event, context):\n    return len(event['text'])\n")
    api.invoke("req-1", json.dumps({"text": "x" * 5000}).encode(), chunked=True)

    assert api.post().body == b"5000"


def test_an_event_that_is_not_json_is_passed_as_bytes(api, start):
    start("def handler(event, context):\n    return [type(event).__name__, event.decode('latin-1')]\n")
    api.invoke("req-1", b"raw\xff", headers={"Content-Type": "application/octet-stream"})

    assert api.post().json() == ["bytes", "raw\xff"]


def test_a_bytes_result_is_posted_as_it_is(api, start):
    start("def handler(event, context):\n    return b'\\x00raw'\n")
    api.invoke("req-1")

    post = api.post()

    assert post.body == b"\x00raw"
    assert post.headers["Content-Type"] == "application/unknown"


def test_output_reaches_stdout_and_stderr_before_the_response_or_error_is_posted(api, start):
    runtime = start(
        """
        import sys
        def handler(event, context):
            print("printed-" + event["n"])
            sys.stdout.write("partial-" + event["n"])
            sys.stderr.write("stderr-" + event["n"])
            context.log("context-log-" + event["n"])
            if event.get("fail"):
                raise RuntimeError("failed")
            return "ok"
        """
    )
    seen = []
    api.on_post = lambda request: seen.append((request.path, runtime.stdout, runtime.stderr))
    api.invoke("req-1", b'{"n": "1"}')
    api.invoke("req-2", b'{"n": "2", "fail": true}')
    api.post()
    api.post()

    (path1, stdout1, stderr1), (path2, stdout2, stderr2) = seen
    assert path1.endswith("/req-1/response")
    assert "printed-1\npartial-1context-log-1" in stdout1
    assert "stderr-1" in stderr1
    assert path2.endswith("/req-2/error")
    assert "printed-2\npartial-2context-log-2[ERROR] RuntimeError: failed\r" in stdout2
    assert "stderr-2" in stderr2


def test_output_to_a_stdout_the_function_replaced_reaches_the_log_before_the_response(api, start):
    runtime = start(
        """
        import sys
        sys.stdout = open(1, "w", closefd=False)  # block-buffered
        def handler(event, context):
            print("through the function's own stdout")
            return "ok"
        """
    )
    seen = []
    api.on_post = lambda request: seen.append(runtime.stdout)
    api.invoke("req-1")
    api.post()

    assert seen == ["through the function's own stdout\n"]


def test_output_is_not_lost_when_the_process_is_killed_in_the_middle_of_a_line(api, start):
    runtime = start(
        """
        import os, signal, sys
        def handler(event, context):
            print("whole line")
            sys.stdout.write("half a line")
            sys.stderr.write("half on stderr")
            os.kill(os.getpid(), signal.SIGKILL)  # as the agent does at a timeout
        """
    )
    api.invoke("req-1")

    assert runtime.wait() == -9
    assert runtime.stdout == "whole line\nhalf a line"
    assert runtime.stderr == "half on stderr"


def test_the_task_root_comes_first_on_sys_path(api, start):
    runtime = start("import sys\ndef handler(event, context):\n    return sys.path[0]\n")
    api.invoke("req-1")

    assert api.post().json() == str(runtime.task_root)


def test_next_does_not_time_out_when_the_function_sets_a_default_socket_timeout(api, start):
    start("import socket\nsocket.setdefaulttimeout(0.05)\ndef handler(event, context):\n    return 'late'\n")
    api.invoke("req-1")
    assert api.post().body == b'"late"'
    api.next_calls.get(timeout=10)  # the runtime is waiting for the second invocation
    api.next_calls.get(timeout=10)

    threading.Event().wait(0.3)  # longer than the function's default timeout
    api.invoke("req-2")

    assert api.post().path == RESPONSE % "req-2"
    assert len({request.client_port for request in api.requests}) == 1


def test_a_413_for_a_response_is_logged_and_the_loop_goes_on(api, start):
    runtime = start("def handler(event, context):\n    return event\n")
    api.statuses["/req-1/response"] = 413
    api.invoke("req-1", b'"too big"')
    api.invoke("req-2", b'"fine"')

    assert api.post().path == RESPONSE % "req-1"
    second = api.post()

    assert second.path == RESPONSE % "req-2"
    assert second.body == b'"fine"'
    assert "answered 413 to POST /2018-06-01/runtime/invocation/req-1/response" in runtime.stderr


def test_a_server_error_for_a_response_stops_the_runtime(api, start):
    runtime = start("def handler(event, context):\n    return 1\n")
    api.statuses["/response"] = 500
    api.invoke("req-1")
    api.post()

    assert runtime.wait() == 1
    assert "answered 500" in runtime.stderr


@pytest.mark.parametrize("handler", ["pkg.mod.fn", "pkg/mod.fn"])
def test_a_handler_in_a_package_is_found_by_dotted_or_slashed_name(api, start, handler):
    start(files={"pkg/__init__.py": "", "pkg/mod.py": "def fn(event, context):\n    return __name__\n"}, handler=handler)
    api.invoke("req-1")

    assert api.post().body == b'"pkg.mod"'
