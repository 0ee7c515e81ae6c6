import json
import os
import signal
import subprocess
import sys

import pytest

from tests.conftest import STACK_FLAGS

RUN = [sys.executable, "-u", "-m", "tfcompress", "run", "--preset", "quick", "--max-train-examples", "600",
       "--teacher-epochs", "1", "--student-epochs", "4", "--robustness-examples", "0", "--explanation-examples", "0",
       "--skip", "qat", "--skip", "personalization", "--no-adversarial-texts", "--no-worst-case", *STACK_FLAGS]
# The attacks and interval bounds are left out: what is tested is the run's fit resuming (the distiller's own
# callbacks resume in tests/distill/fit_resume_test.py).


@pytest.mark.slow
def test_a_killed_run_resumes_its_fit_from_the_last_finished_epoch(tmp_path):
    out = str(tmp_path / "run")
    process = subprocess.Popen(RUN + ["--out", out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen, distilling = [], False
    for line in process.stdout:
        seen.append(line)
        distilling = distilling or "stage distill: started" in line
        # Epoch 3's first progress line is printed after epoch 2's backup was written.
        if distilling and " epoch 3/4 batch " in line:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen)
    assert json.load(open(os.path.join(out, "metrics.json")))["stages"]["teacher"]["status"] == "done"

    resumed = subprocess.run(RUN + ["--out", out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             timeout=600)
    log = resumed.stdout
    assert resumed.returncode == 0, log
    distill_log = log[log.index("stage distill: started"):]
    assert "distill (kd) epoch 3/4 done" in distill_log
    assert " epoch 1/4 " not in distill_log and " epoch 2/4 " not in distill_log
    metrics = json.load(open(os.path.join(out, "metrics.json")))
    assert metrics["stages"]["teacher"]["status"] == "reused"
    assert metrics["stages"]["distill"]["status"] == "done"
    # the killed attempt's two finished epochs count in the stage's seconds
    interrupted = metrics["stages"]["distill"]["of_which_interrupted_attempts"]
    assert 0 < interrupted < metrics["stages"]["distill"]["seconds"]
    assert not os.path.exists(os.path.join(out, "checkpoints", "distill_attempt.json"))
    assert metrics["tflite"]["parity"] >= 0.99
