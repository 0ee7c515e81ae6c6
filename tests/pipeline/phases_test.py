"""The two-phase schedule: plain distillation, then the objectives ramped up, each phase's checkpoint kept."""
import os

from tfcompress.pipeline import distill, make_student, preset_settings
from tfcompress.pipeline.phases import plain_distillation, training_phases


def test_presets_distil_first_then_ramp_the_objectives_at_a_lower_rate():
    settings = preset_settings("default")
    kd, objectives = training_phases(settings)
    assert (kd.name, kd.monitor, kd.settings.worst_case.weight, kd.settings.explanation.weight) == \
        ("kd", "val_kd_loss", 0.0, 0.0)
    assert not kd.adversarial_texts and kd.epochs == settings.student.epochs
    assert objectives.settings.worst_case.weight == settings.worst_case.weight > 0
    assert objectives.learning_rate < kd.learning_rate and objectives.ramp_epochs == objectives.epochs
    assert objectives.monitor == "val_objective"
    without_texts = settings.with_changes({"adversarial.texts": None})
    assert [phase.name for phase in training_phases(plain_distillation(without_texts))] == ["kd"]
    assert [phase.name for phase in training_phases(settings, "qat", 2, 1e-4)] == ["all"]


def test_distill_runs_both_phases_and_a_resumed_run_skips_the_finished_one(small_teacher, small_data, tmp_path):
    settings = preset_settings("quick").with_changes({
        "transfer.copies": 0, "schedule.monitor_examples": 0, "adversarial.texts": None, "explanation.weight": 0.0,
        "worst_case.weight": 0.0, "adversarial.weight": 0.1, "student.epochs": 1, "student.min_steps": 0,
        "transfer.typo_share": 0.0, "student.embedding_init": "random", "student.model.max_length": 32})
    student, _ = make_student(settings, small_teacher, small_data)
    backup = str(tmp_path / "backup")
    result = distill(student, small_teacher, small_data, settings, cache=str(tmp_path / "cache"), backup_dir=backup)
    assert [phase["name"] for phase in result.summary["phases"]] == ["kd", "objectives"]
    assert abs(result.history["adv_weight"][-1] - 0.1) < 1e-6 and len(result.history["loss"]) == 2
    assert os.path.exists(os.path.join(backup, "kd_phase_weights.npz"))

    again, _ = make_student(settings, small_teacher, small_data, seed=1)
    resumed = distill(again, small_teacher, small_data, settings, cache=str(tmp_path / "cache"), backup_dir=backup)
    assert resumed.history["kd_loss"][0] == result.history["kd_loss"][0]  # the kd phase came from the backup
