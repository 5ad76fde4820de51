import pytest

from fake_runtime_api import FakeRuntimeApi, Runtime, write_module


@pytest.fixture
def api():
    fake = FakeRuntimeApi()
    yield fake
    fake.close()


@pytest.fixture
def start(api, tmp_path):
    """start(source, ...) writes source as the task root's handler.py and starts the bootstrap."""
    runtimes = []

    def start_runtime(source=None, handler="handler.handler", env=None, files=None, python_flags=()):
        task_root = tmp_path / "task"
        task_root.mkdir(exist_ok=True)
        if source is not None:
            write_module(task_root, "handler.py", source)
        for name, text in (files or {}).items():
            write_module(task_root, name, text)
        runtime = Runtime(api, task_root, handler=handler, env=env, python_flags=python_flags)
        runtimes.append(runtime)
        return runtime

    yield start_runtime
    for runtime in runtimes:
        runtime.stop()
