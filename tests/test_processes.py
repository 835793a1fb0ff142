"""State files: what a running process records for others (the embedded database, `fab stack`, our supervisor)."""
import subprocess

import pytest

from app.homepage import varnish
from app.runtime import rundir
from app.runtime.processes import read_state, terminate, write_state


@pytest.fixture
def process():
    """A child process that runs until the test stops it."""
    child = subprocess.Popen(["sleep", "60"])
    yield child
    terminate(child, 5)


def test_a_state_file_counts_only_while_its_process_lives(tmp_path, process):
    path = tmp_path / "embedded.json"
    assert read_state(path) is None
    write_state(path, process.pid, port=27017)
    assert read_state(path) == {"pid": process.pid, "port": 27017}
    terminate(process, 5)
    assert read_state(path) is None


@pytest.mark.parametrize("text", ["", "{not json", "[]", '{"port": 1}', '{"pid": "1"}'])
def test_a_broken_state_file_means_nothing_runs(tmp_path, text):
    path = tmp_path / "stack.json"
    path.write_text(text)
    assert read_state(path) is None


def test_bakes_find_the_stacks_varnish_while_it_runs(tmp_path, process):
    config = {"VARNISH_URL": "", "RUN_DIR": str(tmp_path)}
    assert varnish.url(config) is None
    write_state(rundir.stack_state(tmp_path), process.pid, varnish_url="http://127.0.0.1:8080")
    assert varnish.url(config) == "http://127.0.0.1:8080"
    assert varnish.url({**config, "VARNISH_URL": "http://cache:80"}) == "http://cache:80"
    terminate(process, 5)
    assert varnish.url(config) is None
