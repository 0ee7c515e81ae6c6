"""Configuration files, ``--set`` changes and the generated reference.

A configuration file is JSON or TOML (TOML allows comments; ``starter_file`` writes one) holding some or all of
``Settings.to_dict()``'s sections, plus an optional top-level ``preset`` it applies over. Keys it leaves out keep
the preset's values.

Example:
    >>> preset, changes = load_changes("run.toml")
    >>> parse_set("worst_case.sets=[\\"wordnet\\"]")
    ('worst_case.sets', ['wordnet'])
"""
import dataclasses
import json
import os
import re

from tfcompress.config.section import Section, describe_allowed, is_section_type, optional_inner, type_name
from tfcompress.errors import ConfigError

FILE_FORMATS = (".json", ".toml")


def load_changes(path):
    """``(preset or None, changes)`` of a JSON or TOML configuration file: the nested sections it sets."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in FILE_FORMATS:
        raise ConfigError(f"file {path}: a configuration file must be .json or .toml")
    if not os.path.exists(path):
        raise ConfigError(f"file {path}: no such configuration file")
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        values = _parse_toml(raw, path) if extension == ".toml" else json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:  # json and tomllib both raise ValueError subclasses
        raise ConfigError(f"file {path}: not valid {extension[1:].upper()}: {error}") from None
    if not isinstance(values, dict):
        raise ConfigError(f"file {path}: the configuration must be a table of sections, got {type(values).__name__}")
    preset = values.pop("preset", None)
    if preset is not None and not isinstance(preset, str):
        raise ConfigError(f"file {path}: 'preset' must be a preset name, got {preset!r}")
    return preset, values


def _parse_toml(raw, path):
    try:
        import tomllib
    except ImportError:  # Python 3.10
        raise ConfigError(f"file {path}: TOML configuration files need Python 3.11 or later; use JSON") from None
    return tomllib.loads(raw.decode("utf-8"))


def parse_set(text):
    """``(dotted key, value)`` of one ``section.key=value`` change; the value is read as JSON (numbers, true,
    false, null, lists, objects), else taken as a string."""
    key, equals, value = text.partition("=")
    key = key.strip()
    if not equals or not key:
        raise ConfigError(f"--set takes section.key=value (e.g. explanation.weight=0.5), got {text!r}")
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value.strip()


def _toml_key(key):
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def toml_value(value):
    """``value`` as TOML (``None`` has no TOML form: callers leave such keys out)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        items = [f"{_toml_key(key)} = {toml_value(item)}" for key, item in value.items() if item is not None]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    raise TypeError(f"no TOML form for {value!r}")


def _comment(field):
    allowed = describe_allowed(field)
    return f"# {field.metadata['doc']} ({type_name(field.type)}{'; ' + allowed if allowed else ''})"


def starter_file(settings, preset=None):
    """A commented TOML configuration file holding every value of ``settings`` (a ``Settings``)."""
    lines = ["# tfcompress run configuration: `tfcompress run --config FILE`. Every key is optional: one left out",
             "# keeps the preset's value. Settings that are null (off) have no TOML form and are commented out;",
             "# switch one on by giving its keys, or set any value with `--set section.key=value`.", ""]
    if preset:
        lines += [f"preset = {json.dumps(preset)}", ""]
    for field in dataclasses.fields(settings):
        _section_lines(lines, field.name, getattr(settings, field.name), field)
    return "\n".join(lines).rstrip() + "\n"


def _section_lines(lines, key, section, field):
    doc = (type(section).__doc__ or "").strip().splitlines()[0] if section is not None else field.metadata["doc"]
    if section is None:
        lines += [f"# [{key}] is off (null): {field.metadata['doc']}", ""]
        return
    lines += [f"# {doc}", f"[{key}]"]
    nested = []
    for child in dataclasses.fields(section):
        value = getattr(section, child.name)
        if is_section_type(optional_inner(child.type)[0]):
            nested.append((child, value))
            continue
        lines.append(_comment(child))
        lines.append(f"{_toml_key(child.name)} = {toml_value(value)}" if value is not None else
                     f"# {child.name} = null")
    lines.append("")
    for child, value in nested:
        _section_lines(lines, f"{key}.{child.name}", value, child)


def _markdown_value(value):
    if isinstance(value, Section):
        return "(section)"
    return "`" + json.dumps(value).replace("|", "\\|") + "`"


def reference_markdown(presets):
    """docs/configuration.md: every setting with its type, what is allowed, its value in each of ``presets``
    (``{name: Settings}``) and what it does."""
    names = list(presets)
    first = presets[names[0]]
    lines = ["# Configuration reference", "",
             "Every setting of `tfcompress run`, by section. Set one with `--set section.key=value` (repeatable), or",
             "give a JSON or TOML file with `--config FILE` (`tfcompress config init` writes a commented one);",
             "both apply over the preset. `tfcompress config show --preset P` prints a preset's values.",
             "A value of `null` switches an optional part off.", "",
             "This page is generated by `tfcompress config reference`; a test keeps it up to date."]
    header = "| Setting | Type | Allowed | " + " | ".join(names) + " | What it does |"
    rule = "|" + "---|" * (len(names) + 4)
    current = None
    for key, field, _ in first.rows():
        top = key.split(".")[0]
        if top != current:
            current = top
            section_type = type(getattr(first, top))
            lines += ["", f"## `{top}`", "", (section_type.__doc__ or "").strip().splitlines()[0], "", header, rule]
        if key == top:
            continue
        values = []
        for name in names:
            try:
                values.append(_markdown_value(presets[name].get_path(key)))
            except (AttributeError, KeyError, TypeError):
                values.append("(off)")
        lines.append(f"| `{key}` | {type_name(field.type)} | {describe_allowed(field) or 'any'} | "
                     + " | ".join(values) + f" | {field.metadata['doc']} |")
    return "\n".join(lines).rstrip() + "\n"


__all__ = ["FILE_FORMATS", "load_changes", "parse_set", "reference_markdown", "starter_file", "toml_value"]
