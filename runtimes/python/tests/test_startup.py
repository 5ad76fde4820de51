"""Start-up cost: the bootstrap imports nothing expensive on its own."""

import importlib
import json
import subprocess
import sys

import pytest

from fake_runtime_api import BOOTSTRAP, PYTHON

EXPENSIVE = (
    "json", "re", "http.client", "logging", "traceback", "socket", "enum", "decimal", "importlib", "warnings",
)


def test_a_plain_invocation_imports_neither_json_re_http_client_nor_logging(api, start):
    probe = "import sys; print(sorted(m for m in %r if m in sys.modules))" % (EXPENSIVE,)
    # -S keeps site-packages' .pth files, which import all sorts, out of the picture
    baseline = subprocess.run([PYTHON, "-S", "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(baseline.stdout.replace("'", '"')) == []
    start(
        """
        import sys
        def handler(event, context):
            return sorted(m for m in %r if m in sys.modules)
        """
        % (EXPENSIVE,),
        python_flags=("-S",),
    )
    api.invoke("req-1", b'{"a": [1, 2.5, "x"]}')

    assert api.post().body == b"[]"



@pytest.mark.parametrize(
    "section, name",
    [("HTTP", "read_chunked"), ("JSON", "to_json_exactly"), ("ERRORS", "report_init_error"), ("LOGGING", "configure_logging")],
)
def test_code_compiled_on_first_use_keeps_this_files_line_numbers(section, name):
    sys.path.insert(0, str(BOOTSTRAP.parent))
    bootstrap = importlib.import_module("bootstrap")

    code = bootstrap._rare(section, name).__code__

    assert code.co_filename == str(BOOTSTRAP)
    assert BOOTSTRAP.read_text().splitlines()[code.co_firstlineno - 1] == "def %s(%s" % (
        name,
        ", ".join(code.co_varnames[: code.co_argcount]) + "):",
    )
