"""A settings section: a dataclass whose fields each carry a type, a default, an allowed range and a one-line doc.

Sections nest (a field may hold another section, or ``None`` where the section is optional), read and write
plain dicts (``from_dict`` / ``to_dict``), take partial changes (``merged``, ``with_path``) and check every value,
so a misspelled key or a value out of range is one ``ConfigError`` naming the dotted key and what is allowed.

Example:
    >>> @dataclasses.dataclass(frozen=True)
    ... class Fit(Section):
    ...     epochs: int = setting(3, "Passes over the training split.", minimum=1)
    >>> Fit.from_dict({"epochs": 5}).with_path("epochs", 2).to_dict()
    {'epochs': 2}
"""
import copy
import dataclasses
import difflib
import json
import math
import typing

from tfcompress.errors import ConfigError

# A field whose flat key is MERGED spreads its section's flat keys into the parent's flat dict.
MERGED = "<merged>"


def setting(default, doc, *, minimum=None, maximum=None, choices=None, flat=None, fingerprint_default=True):
    """A section field.

    Args:
        default: the value when a preset, file or change does not set it (lists, dicts and sections are copied).
        doc: one line saying what the setting does.
        minimum, maximum: the allowed range of a number (inclusive).
        choices: the allowed values of a string, or of each item of a list of strings.
        flat: the field's key in the flat form that run fingerprints hash (``to_flat``); ``None``: its name;
            ``MERGED`` (a section field): the section's own flat keys, spread into the parent's.
        fingerprint_default: ``False`` leaves the field out of the flat form while it holds its default, so that
            adding a setting does not change the fingerprint of runs that never set it.
    """
    metadata = {"doc": doc, "minimum": minimum, "maximum": maximum, "choices": tuple(choices) if choices else None,
                "flat": flat, "fingerprint_default": fingerprint_default}
    if isinstance(default, (list, dict, Section)):
        return dataclasses.field(default_factory=lambda: copy.deepcopy(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def _join(prefix, name):
    return f"{prefix}.{name}" if prefix else name


def optional_inner(annotation):
    """``(inner type, optional)`` of ``Optional[X]`` or ``X``."""
    if typing.get_origin(annotation) is typing.Union:
        inner = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return inner[0], True
    return annotation, False


def is_section_type(annotation):
    return isinstance(annotation, type) and issubclass(annotation, Section)


def type_name(annotation):
    """How the reference and errors name a field's type."""
    inner, optional = optional_inner(annotation)
    name = "section" if is_section_type(inner) else {list: "list", dict: "dict"}.get(inner, inner.__name__)
    return f"{name} or null" if optional else name


def _allowed(meta):
    parts = []
    if meta["choices"]:
        parts.append("one of " + ", ".join(map(str, meta["choices"])))
    if meta["minimum"] is not None:
        parts.append(f">= {meta['minimum']}")
    if meta["maximum"] is not None:
        parts.append(f"<= {meta['maximum']}")
    return " and ".join(parts)


def describe_allowed(field):
    """The allowed values of ``field`` in words (empty when any value of its type is allowed)."""
    return _allowed(field.metadata)


def _fail(key, value, annotation, meta):
    allowed = _allowed(meta)
    raise ConfigError(f"setting {key!r} must be {type_name(annotation)}{' (' + allowed + ')' if allowed else ''}, "
                      f"got {json.dumps(value, default=repr)}")


def check_value(value, annotation, meta, key):
    """``value`` as field ``key`` holds it (an int where a float is declared becomes a float; a dict where a section
    is declared becomes that section), or ``ConfigError``."""
    inner, optional = optional_inner(annotation)
    given = value
    if value is None:
        if optional:
            return None
        _fail(key, value, annotation, meta)
    if is_section_type(inner):
        if isinstance(value, inner):
            return value
        if isinstance(value, dict):
            return inner.from_dict(value, key)
        _fail(key, value, annotation, meta)
    if inner is bool:
        ok = isinstance(value, bool)
    elif inner is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif inner is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        value = float(value) if ok else value
    elif inner is str:
        ok = isinstance(value, str) and (not meta["choices"] or value in meta["choices"])
    elif inner is list:
        ok = isinstance(value, list) and (not meta["choices"] or all(item in meta["choices"] for item in value))
        value = list(value) if ok else value
    elif inner is dict:
        ok = isinstance(value, dict)
        value = copy.deepcopy(value) if ok else value
    else:
        raise TypeError(f"setting {key!r} has an unsupported type {annotation!r}")
    if ok and inner in (int, float):
        ok = (meta["minimum"] is None or value >= meta["minimum"]) and \
             (meta["maximum"] is None or value <= meta["maximum"])
    if not ok:
        _fail(key, given, annotation, meta)
    return value


def unknown_key_error(key, known):
    """``ConfigError`` for a key that is not a setting, suggesting the nearest known one."""
    name = key.rsplit(".", 1)[-1]
    prefix = key[:-len(name)]
    near = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"; did you mean {prefix + near[0]!r}?" if near else f"; known keys here: {', '.join(sorted(known))}"
    return ConfigError(f"unknown setting {key!r}{hint}")


@dataclasses.dataclass(frozen=True)
class Section:
    """Base of the settings sections: subclasses are frozen dataclasses whose fields are made with ``setting``."""

    @classmethod
    def settings_fields(cls):
        return {field.name: field for field in dataclasses.fields(cls)}

    @classmethod
    def field_type(cls, name):
        return typing.get_type_hints(cls)[name]

    @classmethod
    def from_dict(cls, values, prefix=""):
        """The section with ``values`` (a dict of some or all of its fields) over its defaults; ``prefix`` is the
        section's dotted key in error messages."""
        if not isinstance(values, dict):
            raise ConfigError(f"setting {prefix or 'the configuration'!r} must be a section (a table of settings), "
                              f"got {json.dumps(values, default=repr)}")
        return cls().merged(values, prefix)

    def merged(self, changes, prefix=""):
        """A copy with ``changes`` (a dict, nested like ``to_dict``) applied: a nested section takes the keys it is
        given and keeps the others; every value is checked."""
        fields = self.settings_fields()
        updated = {}
        for name, value in changes.items():
            key = _join(prefix, name)
            if name not in fields:
                raise unknown_key_error(key, fields)
            annotation = self.field_type(name)
            inner, _ = optional_inner(annotation)
            current = getattr(self, name)
            if is_section_type(inner) and isinstance(value, dict):
                updated[name] = (current if current is not None else inner()).merged(value, key)
            else:
                updated[name] = check_value(value, annotation, fields[name].metadata, key)
        return dataclasses.replace(self, **updated)

    def with_path(self, path, value, prefix=""):
        """A copy with the setting at dotted ``path`` set to ``value`` (into a dict field, the key at the rest of
        the path); an optional section that is off is switched on with its defaults first."""
        name, _, rest = path.partition(".")
        key = _join(prefix, name)
        fields = self.settings_fields()
        if name not in fields:
            raise unknown_key_error(key, fields)
        if not rest:
            return self.merged({name: value}, prefix)
        annotation = self.field_type(name)
        inner, _ = optional_inner(annotation)
        current = getattr(self, name)
        if is_section_type(inner):
            section = current if current is not None else inner()
            return dataclasses.replace(self, **{name: section.with_path(rest, value, key)})
        if inner is dict:
            return self.merged({name: _set_in_dict(current or {}, rest.split("."), value)}, prefix)
        raise ConfigError(f"setting {key!r} is a {type_name(annotation)}, not a section: set it as {key}=VALUE")

    def get_path(self, path):
        """The value at dotted ``path``."""
        value = self
        for name in path.split("."):
            value = getattr(value, name) if isinstance(value, Section) else value[name]
        return value

    def to_dict(self):
        """Every field, nested sections as dicts (what a configuration file holds)."""
        return {name: value.to_dict() if isinstance(value, Section) else copy.deepcopy(value)
                for name, value in ((field.name, getattr(self, field.name)) for field in dataclasses.fields(self))}

    def to_flat(self):
        """The flat form that run fingerprints hash (each field under its ``flat`` key)."""
        flat = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            meta = field.metadata
            if not meta["fingerprint_default"] and value == _default_of(field):
                continue
            if meta["flat"] == MERGED:
                flat.update(value.to_flat())
                continue
            flat[meta["flat"] or field.name] = value.to_flat() if isinstance(value, Section) else copy.deepcopy(value)
        return flat

    def rows(self, prefix=""):
        """``(dotted key, field, value)`` of every setting, nested sections' fields after their own row."""
        for field in dataclasses.fields(self):
            key = _join(prefix, field.name)
            value = getattr(self, field.name)
            yield key, field, value
            inner, _ = optional_inner(self.field_type(field.name))
            if is_section_type(inner):
                yield from (value if value is not None else inner()).rows(key)


def _default_of(field):
    if field.default is not dataclasses.MISSING:
        return field.default
    return field.default_factory()


def _set_in_dict(mapping, keys, value):
    updated = copy.deepcopy(mapping)
    target = updated
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value
    return updated


__all__ = ["MERGED", "Section", "check_value", "describe_allowed", "is_section_type", "optional_inner", "setting",
           "type_name", "unknown_key_error"]
