import json
import os
import subprocess
import sys

import pytest

from tests.conftest import FULL_STACK, STACK_FLAGS, requires_full_stack
from tfcompress.cli import build_parser, main


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["data", "--help"], ["attack", "--help"],
                                  ["explain", "--help"], ["export", "--help"], ["personalize", "--help"]])
def test_every_subcommand_has_help(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    assert "usage: tfcompress" in capsys.readouterr().out


def test_the_console_script_is_installed():
    script = os.path.join(os.path.dirname(sys.executable), "tfcompress")
    out = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "run" in out.stdout


def test_the_program_exits_with_mains_code_after_the_exit_handlers_and_full_output(tmp_path):
    marker = tmp_path / "exit_handler_ran"
    probe = ("import atexit, sys\n"
             f"atexit.register(lambda: open({str(marker)!r}, 'w').write('ran'))\n"
             "from tfcompress.cli import command_line\n"
             "sys.argv = ['tfcompress'] + sys.argv[1:]\n"
             "command_line()\n"
             "print('not reached')\n")
    ok = subprocess.run([sys.executable, "-c", probe, "data", "rotten_tomatoes"], capture_output=True, text=True,
                        timeout=120)
    assert ok.returncode == 0 and json.loads(ok.stdout)["splits"]["test"] == 1276, ok.stderr[-2000:]
    assert marker.read_text() == "ran" and "not reached" not in ok.stdout
    marker.unlink()
    bad = subprocess.run([sys.executable, "-c", probe, "data", str(tmp_path / "missing.csv")], capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.startswith("tfcompress: error:") and marker.read_text() == "ran"


@pytest.mark.slow
def test_run_on_a_user_file_end_to_end(tmp_path, rotten_tomatoes, capsys):
    data = tmp_path / "reviews.tsv"
    lines = [f"{t}\t{'good' if y == 0 else 'bad'}" for t, y in
             zip(rotten_tomatoes.train.texts[:400], rotten_tomatoes.train.labels[:400])]
    data.write_text("review\tverdict\n" + "\n".join(lines) + "\n")
    out = tmp_path / "run"
    code = main(["run", "--preset", "quick", "--data", str(data), "--text-column", "review", "--label-column", "verdict",
                 "--teacher-epochs", "1", "--student-epochs", "1", "--robustness-examples", "0",
                 "--explanation-examples", "2", "--skip", "qat", "--skip", "personalization", "--out", str(out),
                 *STACK_FLAGS])
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset"]["classes"] == ["bad", "good"]
    assert metrics["dataset"]["splits"] == {"train": 320, "validation": 40, "test": 40}
    assert metrics["tflite"]["builtin_ops_only"] is True
    assert metrics["stages"]["personalization"]["status"] == metrics["stages"]["qat"]["status"] == "skipped"
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["out"] == str(out)
    assert summary["test_accuracy"]["baseline"] == metrics["baseline"]["test_accuracy"]  # TF-IDF + LR, same split


def test_bad_input_gives_one_clear_error_and_exit_2(tmp_path, capsys):
    data = tmp_path / "reviews.csv"
    data.write_text("text,label\nfine,pos\n,neg\n")
    assert main(["run", "--data", str(data), "--out", str(tmp_path / "run"), *STACK_FLAGS]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == f"tfcompress: error: file {data}, column 'text', row 2: is empty"
    assert err.count("error") == 1 and not (tmp_path / "run" / "checkpoints" / "teacher.keras").exists()


def test_data_command_summarizes_a_bundled_dataset(capsys):
    assert main(["data", "rotten_tomatoes"]) == 0
    assert json.loads(capsys.readouterr().out)["splits"]["test"] == 1276


def test_unknown_preset_is_refused_by_the_parser():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--preset", "huge"])


@pytest.fixture(scope="module")
def saved_student(small_student, small_data, tmp_path_factory):
    from tfcompress.tflite import convert_to_int8
    from tfcompress.atomic import write_bytes_atomic
    from tfcompress.models import save_model

    folder = tmp_path_factory.mktemp("models")
    save_model(small_student, folder / "student.keras")
    write_bytes_atomic(convert_to_int8(small_student, small_student.encoder.encode(list(small_data.train.texts[:200]))),
                       folder / "student.tflite")
    return folder


def test_explain_command_writes_pictures_and_json(saved_student, tmp_path, capsys):
    out = tmp_path / "explained"
    assert main(["explain", str(saved_student / "student.tflite"), "--num-examples", "2", "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"shap"} and printed["shap"]["aopc"] is not None
    assert (out / "student_shap.png").exists() and (out / "student_shap.html").exists()
    assert json.loads((out / "explain.json").read_text())["num_examples"] == 2


@requires_full_stack
def test_attack_command_on_a_tflite_writes_adversarial_examples(saved_student, tmp_path, capsys, nltk_data_dir):
    out = tmp_path / "attacked"
    assert main(["attack", str(saved_student / "student.tflite"), "--recipe", "deepwordbug", "--num-examples", "5",
                 "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert 0 <= printed["deepwordbug"]["attack_success_rate"] <= 1
    assert (out / "attack_deepwordbug.csv").exists() and (out / "attack.json").exists()


def test_attack_command_refuses_unknown_recipes_and_missing_models(saved_student, tmp_path, capsys):
    assert main(["attack", str(saved_student / "student.tflite"), "--recipe", "hotflip"]) == 2
    assert "unknown attack recipe 'hotflip'" in capsys.readouterr().err
    assert main(["explain", str(tmp_path / "missing.keras")]) == 2
    assert "no model file at" in capsys.readouterr().err


def test_personalize_command_runs_rounds_and_writes_the_trainable_tflite(saved_student, tmp_path, capsys):
    out = tmp_path / "personal"
    code = main(["personalize", str(saved_student / "student.keras"), "--clients", "4", "--rounds", "1",
                 "--out", str(out)])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["clients"] == 4 and (out / "student_trainable.tflite").exists()
    assert report_config(out)["method"] == "prior"
    report = json.loads((out / "personalization.json").read_text())
    if FULL_STACK:
        assert len(report["evaluation"]["clients"]) + len(report["evaluation"].get("skipped", [])) == 4
        assert report["federated"]["rounds"]
    else:
        assert report["evaluation"].startswith("not measured") and "full stack" in report["evaluation"]


def test_export_command_writes_an_android_model_with_its_card(saved_student, small_data, tmp_path, capsys):
    out = tmp_path / "android" / "model.tflite"
    attacks = "2" if FULL_STACK else "0"
    assert main(["export", str(saved_student / "student.keras"), "--out", str(out), "--card",
                 "--attack-examples", attacks]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["builtin_ops_only"] is True and printed["bytes"] == os.path.getsize(out)
    assert printed["card"]["parity_with_keras"] >= 0.99
    card = json.loads((tmp_path / "android" / "card.json").read_text())
    assert card["measured"]["slice"]["size"] == 200 and card["labels"] == list(small_data.class_names)
    assert card["training"].startswith("not recorded")
    if FULL_STACK:
        assert set(card["robustness"]["recipes"]) == {"deepwordbug", "pruthi", "pwws", "textfooler"}
    markdown = (tmp_path / "android" / "MODEL_CARD.md").read_text()
    assert f"| test accuracy (int8 .tflite) | {card['measured']['test_accuracy']:.4f} |" in markdown
    assert (tmp_path / "android" / "model.json").exists() and (tmp_path / "android" / "model.labels.txt").exists()


def test_export_command_refuses_bad_models_and_outputs(saved_student, tmp_path, capsys):
    assert main(["export", str(saved_student / "student.keras"), "--out", str(tmp_path / "model.bin")]) == 2
    assert "--out must name a .tflite file" in capsys.readouterr().err
    assert main(["export", str(tmp_path), "--out", str(tmp_path / "m.tflite")]) == 2
    assert "not a `tfcompress run` output folder" in capsys.readouterr().err
    assert main(["export", str(saved_student / "student.tflite"), "--out", str(tmp_path / "m.tflite")]) == 2
    assert "MODEL must be a `tfcompress run` folder, a QAT .npz or a .keras student" in capsys.readouterr().err


def report_config(out):
    return json.loads((out / "personalization.json").read_text())["config"]


NATIVE_PROBE = """
import os, sys
from tfcompress.cli import _show_native_output, hold_native_output
held = hold_native_output()
os.write(2, b"fully_quantize: 0, inference_type: 6 (native chatter)\\n")
print("[tfcompress] own progress", file=sys.stderr)
if sys.argv[1:] == ["failed"]:
    _show_native_output(held)
"""


@pytest.mark.parametrize("failed", [False, True])
def test_native_output_is_held_and_shown_only_when_the_command_fails(failed):
    out = subprocess.run([sys.executable, "-c", NATIVE_PROBE, *(["failed"] if failed else [])], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and "[tfcompress] own progress" in out.stderr
    assert ("native chatter" in out.stderr) == failed


def test_run_help_says_how_long_each_preset_takes_and_that_default_is_the_default(capsys):
    from tfcompress.catalog import PRESET_SECONDS

    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for preset, seconds in PRESET_SECONDS.items():
        assert f"{preset}: " in text and f"about {max(1, round(seconds / 60))} min" in text
    assert "else default" in text and build_parser().parse_args(["run"]).preset is None
    from tfcompress.pipeline.run import RunConfig

    assert RunConfig().preset_name == "default"
