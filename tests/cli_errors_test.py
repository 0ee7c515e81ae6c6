"""Bad input to the command line: one message naming the file and the problem, exit code 2, nothing written."""
import os

import numpy as np
import pytest

from tests.conftest import STACK_FLAGS
from tfcompress.cli import main


def _error(capsys, argv):
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2, captured
    errors = [line for line in captured.err.splitlines() if line.startswith("tfcompress: error: ")]
    assert len(errors) == 1 and captured.err.splitlines()[-1] == errors[0], captured.err
    assert "Traceback" not in captured.err
    return errors[0]


def test_a_two_row_file_is_too_small_to_split(tmp_path, capsys):
    path = tmp_path / "two.csv"
    path.write_text("text,label\ngood film,pos\nbad film,neg\n")
    message = _error(capsys, ["data", str(path)])
    assert f"file {path}" in message and "too few to split" in message
    assert not (tmp_path / "runs").exists()
    assert "too few to split" in _error(capsys, ["run", "--data", str(path), "--out", str(tmp_path / "out"),
                                                 *STACK_FLAGS])
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["explain", "attack"])
def test_a_corrupt_tflite_is_named_not_a_traceback(command, tmp_path, capsys):
    path = tmp_path / "broken.tflite"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    message = _error(capsys, [command, str(path), "--out", str(tmp_path / "out")])
    assert f"file {path}: not a TFLite model" in message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("share", [0.02, 0.3, 0.7])
def test_a_truncated_tflite_is_named(saved_model_files, tmp_path, capsys, share):
    whole = (saved_model_files / "student.tflite").read_bytes()
    path = tmp_path / "cut.tflite"
    path.write_bytes(whole[:int(len(whole) * share)])
    message = _error(capsys, ["explain", str(path)])  # in-process: a crash would take the test run down
    assert f"file {path}: " in message and ("cut short" in message or "past the end" in message
                                             or "points at buffer" in message or "TFLite cannot load" in message)


def test_a_foreign_keras_file_is_named(tmp_path, capsys):
    path = tmp_path / "model.keras"
    path.write_text("not a model")
    assert f"file {path}: not a .keras model" in _error(capsys, ["explain", str(path)])
    npz = tmp_path / "qat.npz"
    np.savez(npz, something=np.zeros(3))
    assert f"file {npz}: not a readable tfcompress QAT student" in _error(
        capsys, ["export", str(npz), "--out", str(tmp_path / "x.tflite")])
    assert not (tmp_path / "x.tflite").exists()


def test_a_damaged_text_spec_is_named(saved_model_files, tmp_path, capsys):
    model = tmp_path / "plain.tflite"
    model.write_bytes((saved_model_files / "student.tflite").read_bytes())  # no metadata: the sidecar is read
    (tmp_path / "plain.json").write_text("{ this is not json")
    assert f"file {tmp_path / 'plain.json'}: not valid JSON" in _error(capsys, ["explain", str(model)])
    (tmp_path / "plain.json").write_text('{"format": "someone-elses-spec"}')
    assert "not a tfcompress-android-v1 spec" in _error(capsys, ["explain", str(model)])


def test_an_output_folder_another_run_is_using_is_refused_and_left_alone(tmp_path, capsys):
    out = tmp_path / "busy"
    out.mkdir()
    (out / ".lock").write_text(str(os.getppid()))  # a live process that is not this one
    message = _error(capsys, ["run", "--out", str(out), "--max-train-examples", "50"])
    assert f"output folder {out} is in use by another run (process {os.getppid()})" in message
    assert sorted(os.listdir(out)) == [".lock"]


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path):
    from tfcompress.pipeline.run_folder import RunFolder

    folder = RunFolder(tmp_path / "stale")
    os.makedirs(folder.out)
    with open(folder.lock_path, "w") as handle:
        handle.write("999999999")
    folder.lock()
    assert open(folder.lock_path).read() == str(os.getpid())
    folder.unlock()
    assert not os.path.exists(folder.lock_path)


@pytest.fixture(scope="module")
def saved_model_files(small_student, small_data, tmp_path_factory):
    from tfcompress.atomic import write_bytes_atomic
    from tfcompress.tflite import convert_to_int8

    folder = tmp_path_factory.mktemp("plain_models")
    write_bytes_atomic(convert_to_int8(small_student, small_student.encoder.encode(list(small_data.train.texts[:100]))),
                       folder / "student.tflite")
    return folder
