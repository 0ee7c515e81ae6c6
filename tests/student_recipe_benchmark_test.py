"""benchmarks/student_recipe.py: a resumed run keeps only the rows measured with the current recipe."""
import importlib.util
import os

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_benchmark():
    spec = importlib.util.spec_from_file_location("student_recipe",
                                                  os.path.join(REPO, "benchmarks", "student_recipe.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_preset_row_measured_with_an_earlier_recipe_is_measured_again(tmp_path):
    benchmark = load_benchmark()
    args = benchmark.parse_args(["--out", str(tmp_path)])
    workspace = str(tmp_path / "partial")
    config = benchmark.preset_config("small", 1, args, os.path.join(workspace, "small-seed1"))
    settings = config.resolve_settings()
    assert settings.data.held_out_users.count == 0 and config.options(settings)["student_seed"] == 1
    measured = {"fingerprint": config.fingerprints()[0], "test_accuracy": 0.8}
    assert benchmark.is_current("small/seed1", measured, args, workspace)
    assert not benchmark.is_current("small/seed2", measured, args, workspace)  # another seed trains another student
    assert not benchmark.is_current("small/seed1", {**measured, "fingerprint": "0" * 16}, args, workspace)
    assert benchmark.is_current("tfidf", {"test_accuracy": 0.75}, args, workspace)


def test_the_peers_are_attacked_on_the_sentences_a_preset_run_attacked(tmp_path):
    benchmark = load_benchmark()
    assert benchmark.attacked_sentences(str(tmp_path)) is None
    (tmp_path / "small-seed0").mkdir()
    (tmp_path / "small-seed0" / "metrics.json").write_text('{"robustness": "not built"}')
    assert benchmark.attacked_sentences(str(tmp_path)) is None
    (tmp_path / "default-seed0").mkdir()
    (tmp_path / "default-seed0" / "metrics.json").write_text('{"robustness": {"indices": [2, 5, 8]}}')
    assert benchmark.attacked_sentences(str(tmp_path)) == [2, 5, 8]
