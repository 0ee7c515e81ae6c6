import json
import os
import subprocess
import sys

import pytest

from tfcompress.cli import build_parser, main


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["data", "--help"]])
def test_every_subcommand_has_help(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    assert "usage: tfcompress" in capsys.readouterr().out


def test_the_console_script_is_installed():
    script = os.path.join(os.path.dirname(sys.executable), "tfcompress")
    out = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "run" in out.stdout


def test_run_on_a_user_file_end_to_end(tmp_path, rotten_tomatoes, capsys):
    data = tmp_path / "reviews.tsv"
    lines = [f"{t}\t{'good' if y == 0 else 'bad'}" for t, y in
             zip(rotten_tomatoes.train.texts[:400], rotten_tomatoes.train.labels[:400])]
    data.write_text("review\tverdict\n" + "\n".join(lines) + "\n")
    out = tmp_path / "run"
    code = main(["run", "--data", str(data), "--text-column", "review", "--label-column", "verdict",
                 "--teacher-epochs", "1", "--student-epochs", "1", "--out", str(out)])
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset"]["classes"] == ["bad", "good"]
    assert metrics["dataset"]["splits"] == {"train": 320, "validation": 40, "test": 40}
    assert metrics["tflite"]["builtin_ops_only"] is True
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["out"] == str(out)


def test_bad_input_gives_one_clear_error_and_exit_2(tmp_path, capsys):
    data = tmp_path / "reviews.csv"
    data.write_text("text,label\nfine,pos\n,neg\n")
    assert main(["run", "--data", str(data), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == f"tfcompress: error: file {data}, column 'text', row 2: is empty"
    assert err.count("error") == 1 and not (tmp_path / "run" / "checkpoints" / "teacher.keras").exists()


def test_data_command_summarizes_a_bundled_dataset(capsys):
    assert main(["data", "rotten_tomatoes"]) == 0
    assert json.loads(capsys.readouterr().out)["splits"]["test"] == 1276


def test_unknown_preset_is_refused_by_the_parser():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--preset", "huge"])
