"""The command line's names match the registries, and parsing or --help never imports TensorFlow."""
import subprocess
import sys

import pytest

from tfcompress import catalog


def test_the_catalog_matches_every_registry():
    from tfcompress.explain.explain import METHODS as EXPLAIN_METHODS
    from tfcompress.federated.config import METHODS as PERSONALIZATION_METHODS
    from tfcompress.models.registry import STUDENTS, TEACHERS
    from tfcompress.pipeline import PRESETS, SKIPPABLE_STAGES
    from tfcompress.robustness.recipes import RECIPE_NAMES

    assert catalog.TEACHERS == tuple(sorted(TEACHERS)) and catalog.STUDENTS == tuple(sorted(STUDENTS))
    assert catalog.PRESETS == tuple(sorted(PRESETS)) and catalog.SKIPPABLE_STAGES == tuple(SKIPPABLE_STAGES)
    assert catalog.ATTACK_RECIPES == tuple(RECIPE_NAMES) and catalog.EXPLAIN_METHODS == tuple(EXPLAIN_METHODS)
    assert catalog.PERSONALIZATION_METHODS == tuple(PERSONALIZATION_METHODS)
    assert catalog.STRATEGIES == ("one_device", "multi_worker")


def test_the_configuration_choices_match_the_code_that_reads_them():
    from tfcompress.distill.losses import KD_KINDS, MAP_AVERAGES
    from tfcompress.distill.teacher_explanations import EXPLANATIONS, TEACHER_ATTRIBUTIONS
    from tfcompress.distill.teacher_precision import PRECISIONS
    from tfcompress.pipeline.learning_rate import DECAYS, OPTIMIZERS
    from tfcompress.pipeline.recipe import ROBUST_SETS

    assert (catalog.KD_KINDS, catalog.MAP_AVERAGES) == (KD_KINDS, MAP_AVERAGES)
    assert (catalog.EXPLANATIONS, catalog.TEACHER_ATTRIBUTIONS) == (EXPLANATIONS, TEACHER_ATTRIBUTIONS)
    assert (catalog.TEACHER_PRECISIONS, catalog.OPTIMIZERS, catalog.DECAYS) == (PRECISIONS, OPTIMIZERS, DECAYS)
    assert catalog.ROBUST_SETS == ROBUST_SETS


@pytest.mark.parametrize("command", [[], ["run"], ["attack"], ["explain"], ["personalize"], ["export"], ["data"]])
def test_help_lists_the_models_and_imports_no_tensorflow(command):
    probe = ("import sys\nfrom tfcompress.cli import main\n"
             f"try:\n    main({command + ['--help']!r})\nexcept SystemExit:\n    pass\n"
             "print('TENSORFLOW' if 'tensorflow' in sys.modules else 'NO-TENSORFLOW')\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("NO-TENSORFLOW")
    if command in ([], ["run"]):
        assert "minilm" in result.stdout and "prado" in result.stdout and "quick" in result.stdout
