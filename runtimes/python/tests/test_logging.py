"""The root logger, configured as awslambdaric configures it."""

import json
import re
import time

TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"

LOGGING_HANDLER = """
import logging
# a no-op on Lambda, where the root logger already has its handler
logging.basicConfig(level=logging.DEBUG, format="basic %(message)s")
logger = logging.getLogger()
logger.warning("at import")

def handler(event, context):
    logger.info("info %s", 1)
    logging.getLogger("child").warning("warn %s", "x")
    return "ok"
"""


def test_log_records_are_written_in_lambdas_text_format(api, start):
    before = time.gmtime(time.time() - 1)
    # a local time zone that is not UTC: Lambda's timestamps are UTC all the same
    runtime = start(LOGGING_HANDLER, env={"TZ": "EST+5"})
    api.invoke("req-1")
    api.post()
    after = time.gmtime(time.time() + 1)

    lines = runtime.stdout.splitlines()
    assert re.fullmatch(r"\[WARNING\]\t%s\t\tat import" % TIMESTAMP, lines[0])
    assert re.fullmatch(r"\[WARNING\]\t%s\treq-1\twarn x" % TIMESTAMP, lines[1])
    assert len(lines) == 2  # INFO is below the root logger's default level
    assert "basic" not in runtime.stdout + runtime.stderr
    stamp = lines[1].split("\t")[1][:19]
    assert time.strftime("%Y-%m-%dT%H:%M:%S", before) <= stamp <= time.strftime("%Y-%m-%dT%H:%M:%S", after)


def test_aws_lambda_log_level_sets_the_root_loggers_level(api, start):
    runtime = start(LOGGING_HANDLER, env={"AWS_LAMBDA_LOG_LEVEL": "INFO"})
    api.invoke("req-1")
    api.post()

    assert re.search(r"^\[INFO\]\t%s\treq-1\tinfo 1$" % TIMESTAMP, runtime.stdout, re.MULTILINE)


def test_logging_imported_only_inside_the_handler_is_configured_too(api, start):
    runtime = start(
        """
        def handler(event, context):
            import logging
            logging.getLogger().error("late %s", context.aws_request_id)
            return "ok"
        """
    )
    api.invoke("req-1")
    api.post()

    assert re.search(r"^\[ERROR\]\t%s\treq-1\tlate req-1$" % TIMESTAMP, runtime.stdout, re.MULTILINE)


def test_json_log_format_writes_one_json_object_per_record(api, start):
    runtime = start(
        """
        import logging
        def handler(event, context):
            logging.getLogger("app").warning("hi %s", "there", extra={"k": "v"})
            return "ok"
        """,
        env={"AWS_LAMBDA_LOG_FORMAT": "JSON"},
    )
    api.invoke("req-1")
    api.post()

    record = json.loads(runtime.stdout.splitlines()[0])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record.pop("timestamp"))
    assert record == {"level": "WARNING", "message": "hi there", "logger": "app", "requestId": "req-1", "k": "v"}
