"""The main job and the one training recipe.

- ``presets``: what each preset trains and measures (``PRESETS``, ``RECIPES``, ``preset_settings``), as
  ``Settings`` (``tfcompress.config``).
- ``recipe``: ``train_classifier``, ``train_teacher``, ``make_student``, ``distill`` — how every model
  in the package, its benchmarks, notebooks and tests is trained.
- ``run_folder``: ``RunFolder`` (the output folder's layout), ``load_exportable``, ``load_text_model``.
- ``run``: ``RunConfig``, ``Run`` and ``run``: the stages, each one library call plus its section of
  metrics.json.

Example:
    >>> from tfcompress.pipeline import RunConfig, run
    >>> metrics = run(RunConfig(out="runs/quick", preset="quick"))
"""
from tfcompress.config import Settings
from tfcompress.pipeline.presets import PLAIN_KD, PRESETS, RECIPES, STUDENT_CONFIGS, preset_settings
from tfcompress.pipeline.recipe import (DistillResult, distill, make_student, train_baseline, train_classifier,
                                        train_teacher)
from tfcompress.pipeline.run import NOT_BUILT, SCHEMA_VERSION, SKIPPABLE_STAGES, STAGES, Run, RunConfig, run
from tfcompress.pipeline.run_folder import (RunFolder, fingerprint, load_checkpoint, load_exportable, load_text_model,
                                            paired_keras_path)

__all__ = ["NOT_BUILT", "PLAIN_KD", "PRESETS", "RECIPES",
           "SCHEMA_VERSION", "SKIPPABLE_STAGES", "STAGES", "STUDENT_CONFIGS", "DistillResult", "Run", "RunConfig",
           "RunFolder", "Settings", "distill", "fingerprint", "load_checkpoint", "load_exportable", "load_text_model",
           "make_student", "paired_keras_path", "preset_settings", "run", "train_baseline", "train_classifier",
           "train_teacher"]
