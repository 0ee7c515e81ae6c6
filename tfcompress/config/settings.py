"""``Settings``: everything that decides what a run trains and measures, as typed sections.

Example:
    >>> from tfcompress.pipeline import preset_settings
    >>> settings = preset_settings("default").with_changes({"explanation.weight": 0.5, "vocabulary.size": 5000})
    >>> settings.explanation.weight
    0.5
"""
import dataclasses
from typing import Optional

from tfcompress.config.section import MERGED, Section, setting
from tfcompress.config.sections import (AdversarialSettings, DataSettings, DistillationSettings, EvaluationSettings,
                                        ExplanationSettings, QatSettings, ScheduleSettings, StudentSettings,
                                        TeacherSettings, TransferSettings, VocabularySettings, WorstCaseSettings)


@dataclasses.dataclass(frozen=True)
class Settings(Section):
    """A run's configuration: the teacher and student recipes, the objectives, the robust encodings, the schedule
    and the evaluation sizes. Its defaults are the ``default`` preset with the MiniLM teacher and the cnn student.

    Presets (``tfcompress.pipeline.preset_settings``) are instances; ``with_changes`` applies dotted changes
    (what ``tfcompress run --set`` and a configuration file do), ``to_dict`` / ``from_dict`` round-trip, and
    ``to_flat`` is what a run's checkpoint fingerprint hashes.

    Args:
        teacher, student, distillation, transfer, explanation, adversarial, worst_case, vocabulary, schedule, qat,
            evaluation, data: the sections (see docs/configuration.md for every field).

    Example:
        >>> Settings().with_changes({"distillation.temperature": 2.0}).to_dict()["distillation"]["temperature"]
        2.0
    """

    teacher: TeacherSettings = setting(TeacherSettings(), "The teacher and its fine-tuning.", flat=MERGED)
    student: StudentSettings = setting(StudentSettings(), "The student and its fit budget.", flat=MERGED)
    distillation: DistillationSettings = setting(DistillationSettings(), "The knowledge-distillation objective.",
                                                 flat=MERGED)
    transfer: TransferSettings = setting(TransferSettings(), "The teacher-labelled transfer set.", flat=MERGED)
    explanation: ExplanationSettings = setting(ExplanationSettings(), "The explanation objective.", flat=MERGED)
    adversarial: AdversarialSettings = setting(AdversarialSettings(), "The adversarial objective.", flat=MERGED)
    worst_case: WorstCaseSettings = setting(WorstCaseSettings(), "The worst case over word swaps.", flat=MERGED)
    vocabulary: Optional[VocabularySettings] = setting(VocabularySettings(), "The student's closed vocabulary "
                                                                             "(null: hashed words).")
    schedule: ScheduleSettings = setting(ScheduleSettings(), "The student's training schedule.", flat=MERGED)
    qat: QatSettings = setting(QatSettings(), "Quantization-aware training.", flat=MERGED)
    evaluation: EvaluationSettings = setting(EvaluationSettings(), "The measuring stages' sizes.", flat=MERGED)
    data: DataSettings = setting(DataSettings(), "What the models read of the data.", flat=MERGED)

    def with_changes(self, changes):
        """A copy with ``changes`` applied: ``{"section.key": value}`` (dotted paths, in order) or a nested dict
        like ``to_dict``'s (a section given as a dict keeps the keys it leaves out)."""
        settings = self
        for path, value in changes.items():
            settings = settings.with_path(path, value)
        return settings


# The changes that turn any preset into plain distillation (KD and cross-entropy only): the baseline the objectives
# are measured against.
PLAIN_DISTILLATION = {"explanation.weight": 0.0, "adversarial.weight": 0.0, "adversarial.texts": None,
                      "worst_case.weight": 0.0, "transfer.typo_share": 0.0}

__all__ = ["PLAIN_DISTILLATION", "Settings"]
