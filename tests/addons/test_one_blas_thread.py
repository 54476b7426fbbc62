"""The Rasa server's entry point gives the numerical libraries one thread each, before any of
them loads, unless the operator chose otherwise."""

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

# what numpy's BLAS and OpenMP run with, after importing the entry point and then numpy
PROBE = (
    "import addons.rasa_server, json, numpy, threadpoolctl\n"
    "print(json.dumps(sorted({(pool['user_api'], pool['num_threads'])"
    " for pool in threadpoolctl.threadpool_info()})))"
)


def pools(**env):
    clean = {key: value for key, value in os.environ.items() if not key.endswith("_NUM_THREADS")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return {tuple(pool) for pool in json.loads(result.stdout.strip().splitlines()[-1])}


def test_numpys_blas_runs_on_one_thread():
    found = pools()
    assert ("blas", 1) in found
    assert all(threads == 1 for _, threads in found)


def test_an_operators_setting_wins():
    assert ("blas", 2) in pools(OPENBLAS_NUM_THREADS="2")
