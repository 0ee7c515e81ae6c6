"""Typed settings: presets round-trip, every value is checked, and the presets train exactly what they trained
before the settings were typed (the flat form the fingerprints hash is unchanged; the quick preset's entries were
re-recorded when it gained ``min_steps``, the only difference)."""
import json
import os
import sys

import pytest

from tfcompress.config import ConfigError, Settings, load_changes, parse_set, starter_file
from tfcompress.pipeline import PRESETS, RECIPES, RunConfig, preset_settings
from tfcompress.pipeline.run_folder import fingerprint, teacher_fingerprint

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")


def reference():
    """The flat settings and fingerprints of the presets and of five run configurations, recorded from the
    untyped settings dicts that the typed settings replaced."""
    with open(os.path.join(FIXTURES, "flat_settings_reference.json"), encoding="utf-8") as handle:
        return json.load(handle)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_and_model_recipe_round_trips_through_to_dict(preset):
    for teacher in ("bilstm", "minilm", "wide_cnn"):
        for student in ("cnn", "prado", "fastgrnn"):
            settings = preset_settings(preset, teacher, student)
            assert Settings.from_dict(json.loads(json.dumps(settings.to_dict()))) == settings
            assert (settings.teacher.name, settings.student.name) == (teacher, student)


def test_the_presets_hash_the_same_flat_settings_as_before_they_were_typed():
    recorded = reference()
    for key, flat in recorded["preset_settings"].items():
        assert preset_settings(*key.split("/")).to_flat() == flat, key
    for name, case in recorded["run_settings"].items():
        config = RunConfig(out="runs/x", **{**case["config"], "skip": tuple(case["config"].get("skip", ()))})
        settings = config.resolve_settings()
        options = config.options(settings)
        assert {**settings.to_flat(), **options} == case["settings"], name
        assert fingerprint(settings, options) == case["fingerprint"], name  # (the data file's contents aside)
        assert teacher_fingerprint(settings, options) == case["teacher_fingerprint"], name


def test_the_default_preset_is_the_field_defaults():
    assert PRESETS["default"] == Settings() == preset_settings("default")
    assert set(RECIPES["small"]) == set(RECIPES["default"])


@pytest.mark.parametrize("changes, message", [
    ({"explanation.wieght": 1.0}, r"unknown setting 'explanation.wieght'; did you mean 'explanation.weight'\?"),
    ({"explaination.weight": 1.0}, r"unknown setting 'explaination'; did you mean 'explanation'\?"),
    ({"transfer.typo_share": 2}, r"setting 'transfer.typo_share' must be float \(>= 0.0 and <= 1.0\), got 2$"),
    ({"student.epochs": "many"}, r"setting 'student.epochs' must be int \(>= 1\), got \"many\""),
    ({"student.epochs": 2.5}, r"setting 'student.epochs' must be int \(>= 1\), got 2.5"),
    ({"distillation.kind": "js"}, r"setting 'distillation.kind' must be str \(one of kl, mse\), got \"js\""),
    ({"worst_case.sets": ["wordnet", "thesaurus"]}, r"must be list \(one of wordnet, teacher_neighbours\)"),
    ({"vocabulary.keep_real_words": "yes"}, r"setting 'vocabulary.keep_real_words' must be bool, got \"yes\""),
    ({"explanation.weight.x": 1}, r"setting 'explanation.weight' is a float, not a section"),
    ({"teacher": 3}, r"setting 'teacher' must be section, got 3"),
    ({"evaluation.robustness": None}, r"setting 'evaluation.robustness' must be section, got null"),
])
def test_a_bad_key_or_value_is_one_error_naming_the_key_and_what_is_allowed(changes, message):
    with pytest.raises(ConfigError, match=message):
        Settings().with_changes(changes)


def test_changes_reach_nested_sections_dict_fields_and_optional_sections():
    settings = Settings().with_changes({"student.model.filters": 96, "vocabulary": None,
                                        "adversarial.texts.every": 3, "distillation": {"temperature": 2}})
    assert settings.student.model["filters"] == 96 and settings.student.model["embedding_dim"] == 16
    assert settings.vocabulary is None and settings.to_flat()["vocabulary"] is None
    assert settings.adversarial.texts.every == 3 and settings.adversarial.texts.num_examples == 256
    assert settings.distillation.temperature == 2.0 and settings.distillation.kd_weight == 0.9
    on_again = settings.with_changes({"vocabulary.size": 5000})  # an optional section switched on with defaults
    assert on_again.vocabulary.size == 5000 and on_again.vocabulary.keep_real_words is True
    assert Settings().with_changes({"transfer.copies": 3}).to_flat()["transfer_copies"] == 3


def test_settings_that_only_size_the_evaluation_keep_the_fingerprint():
    base = RunConfig(preset="quick").fingerprints()
    assert RunConfig(preset="quick", changes={"evaluation.robustness.query_budget": 50}).fingerprints() == base
    retrained = RunConfig(preset="quick", changes={"explanation.weight": 0.5}).fingerprints()
    assert retrained[0] != base[0] and retrained[1] == base[1]


def test_parse_set_reads_json_values_and_keeps_other_text_as_a_string():
    assert parse_set("explanation.weight=0.5") == ("explanation.weight", 0.5)
    assert parse_set("vocabulary=null") == ("vocabulary", None)
    assert parse_set('worst_case.sets=["wordnet"]') == ("worst_case.sets", ["wordnet"])
    assert parse_set("teacher.name=minilm") == ("teacher.name", "minilm")
    with pytest.raises(ConfigError, match="--set takes section.key=value"):
        parse_set("explanation.weight")


def test_a_configuration_file_applies_over_the_preset(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"preset": "default", "distillation": {"temperature": 2.0},
                                "vocabulary": {"size": 4000}}))
    config = RunConfig(config_file=str(path), changes={"distillation.ce_weight": 0.2})
    settings = config.resolve_settings()
    assert config.preset_name == "default" and settings.teacher.name == "minilm"
    assert (settings.distillation.temperature, settings.distillation.ce_weight) == (2.0, 0.2)
    assert settings.vocabulary.size == 4000 and settings.vocabulary.typo_recovery is True
    (tmp_path / "bad.json").write_text("{\"distillation\": {\"temprature\": 2}}")
    with pytest.raises(ConfigError, match=r"did you mean 'distillation.temperature'"):
        RunConfig(config_file=str(tmp_path / "bad.json")).resolve_settings()
    (tmp_path / "broken.json").write_text("{\"distillation\": ")
    with pytest.raises(ConfigError, match=r"broken.json: not valid JSON"):
        RunConfig(config_file=str(tmp_path / "broken.json"))


def test_naming_another_model_in_a_file_takes_that_models_recipe(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"student": {"name": "prado", "epochs": 3}}))
    settings = RunConfig(preset="quick", config_file=str(path)).resolve_settings()
    assert settings.student.name == "prado" and settings.student.model["features"] == 64
    assert settings.student.epochs == 3 and settings.vocabulary is None


@pytest.mark.skipif(sys.version_info < (3, 11), reason="TOML files need Python 3.11 (tomllib)")
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_the_commented_starter_file_reads_back_as_the_same_settings(tmp_path, preset):
    settings = preset_settings(preset).with_changes({"student.optimizer": None, "schedule.two_phase": None})
    path = tmp_path / "run.toml"
    path.write_text(starter_file(settings, preset=preset))
    named, changes = load_changes(str(path))
    assert named == preset
    # What TOML cannot write (null) is commented out: those keys keep the values of the settings it is applied to.
    assert settings.with_changes(changes) == settings
    nulls = {"student.optimizer": None, "schedule.two_phase": None, "teacher.optimizer": settings.teacher.optimizer,
             "teacher.patience": settings.teacher.patience}
    assert Settings().with_changes(changes).with_changes(nulls) == settings


def _flat_keys(section_class):
    """The flat keys of a section's fields (a ``MERGED`` section's spread into its parent's, as ``to_flat`` does)."""
    import dataclasses

    from tfcompress.config.section import MERGED, optional_inner

    keys = []
    for field in dataclasses.fields(section_class):
        if field.metadata["flat"] == MERGED:
            keys += _flat_keys(optional_inner(section_class.field_type(field.name))[0])
        else:
            keys.append(field.metadata["flat"] or field.name)
    return keys


def test_every_setting_has_its_own_key_in_the_flat_form_the_fingerprints_hash():
    keys = _flat_keys(Settings)
    assert len(keys) == len(set(keys)), sorted(key for key in keys if keys.count(key) > 1)
    base = RunConfig(preset="quick").fingerprints()
    assert RunConfig(preset="quick", changes={"teacher.min_steps": 900}).fingerprints()[0] != base[0]
