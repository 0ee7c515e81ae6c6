"""The run configuration: typed settings sections, configuration files and ``--set`` changes.

- ``Settings``: every setting of a run, grouped by concern (``teacher``, ``student``, ``distillation``,
  ``transfer``, ``explanation``, ``adversarial``, ``worst_case``, ``vocabulary``, ``schedule``, ``qat``,
  ``evaluation``, ``data``); presets are instances.
- ``load_changes``: a JSON or TOML configuration file as changes over a preset; ``parse_set``: one
  ``section.key=value``.
- ``starter_file``: a commented TOML file of a configuration; ``reference_markdown``: docs/configuration.md.

Nothing here imports TensorFlow.

Example:
    >>> from tfcompress.pipeline import preset_settings
    >>> settings = preset_settings("quick").with_changes(dict([parse_set("explanation.weight=0.5")]))
"""
from tfcompress.config.files import load_changes, parse_set, reference_markdown, starter_file
from tfcompress.config.section import Section, setting
from tfcompress.config.sections import *  # noqa: F401,F403 (the sections)
from tfcompress.config.sections import __all__ as _SECTIONS
from tfcompress.config.settings import PLAIN_DISTILLATION, Settings
from tfcompress.errors import ConfigError

__all__ = ["ConfigError", "PLAIN_DISTILLATION", "Section", "Settings", "load_changes", "parse_set",
           "reference_markdown", "setting", "starter_file", *_SECTIONS]
