"""A run never downgrades silently: what this stack cannot do stops it before anything is written."""
import os

import pytest

from tfcompress.errors import OfflineResourceError
from tfcompress.pipeline import Run, RunConfig


@pytest.fixture
def bare_stack(monkeypatch):
    """A stack without textattack, nltk's WordNet and TFF, whatever this one has."""
    from tfcompress.federated import stack
    from tfcompress.pipeline import recipe

    monkeypatch.setattr(recipe, "adversarial_texts_missing", lambda: "textattack is not installed")
    monkeypatch.setattr(recipe, "wordnet_missing", lambda: "nltk is not installed")
    monkeypatch.setattr(stack, "has_tff", lambda: False)


def test_every_part_this_stack_cannot_run_is_named_with_its_switch_and_nothing_is_written(bare_stack, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(OfflineResourceError) as raised:
        Run(RunConfig(out=str(out), preset="default")).execute()
    message = str(raised.value)
    for part in ("discrete adversarial texts (textattack is not installed)",
                 "the worst-case term over WordNet swaps (nltk is not installed)", "the robustness stage",
                 "the personalization stage's TFF evaluation and rounds"):
        assert part in message
    assert message.endswith("--no-adversarial-texts --no-worst-case --skip robustness --skip personalization")
    assert not out.exists()


def test_parts_switched_off_are_not_asked_for(bare_stack, tmp_path):
    config = RunConfig(out=str(tmp_path / "run"), adversarial_texts=False, worst_case=False,
                       skip=("robustness", "personalization"))
    settings = config.resolve_settings()
    assert settings.adversarial.texts is None and settings.worst_case.weight == 0.0
    Run(config).preflight()
    Run(RunConfig(out=str(tmp_path / "other"), adversarial_texts=False, worst_case=False, robustness_examples=0,
                  skip=("personalization",))).preflight()


def test_switching_an_objective_off_changes_the_checkpoint_fingerprint(tmp_path):
    assert Run(RunConfig(out=str(tmp_path / "a"))).fingerprint != \
        Run(RunConfig(out=str(tmp_path / "b"), adversarial_texts=False)).fingerprint
    assert os.path.exists(tmp_path / "a" / ".lock")
