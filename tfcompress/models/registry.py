"""Name -> model class registries, so the CLI and configs can pick models by name."""
TEACHERS = {}
STUDENTS = {}


def register_teacher(name):
    """Class decorator: make a teacher buildable as ``build_teacher(name, ...)``."""
    return _register(TEACHERS, name)


def register_student(name):
    """Class decorator: make a student buildable as ``build_student(name, ...)``."""
    return _register(STUDENTS, name)


def _register(table, name):
    def decorate(cls):
        table[name] = cls
        cls.registry_name = name
        return cls
    return decorate


def build_teacher(name, **config):
    """A new, untrained teacher of the registered kind ``name``."""
    return _lookup(TEACHERS, name, "teacher")(**config)


def build_student(name, **config):
    """A new, untrained student of the registered kind ``name``."""
    return _lookup(STUDENTS, name, "student")(**config)


def model_class(name, kind):
    """The ``TextClassifier`` subclass ``name`` gives: a registered name, or ``module:Class`` (imported, so a class
    its module registers is found too), for ``kind`` ``"teacher"`` or ``"student"``.

    Example:
        >>> model_class("mypackage.students:TinyStudent", "student")
    """
    return _lookup(TEACHERS if kind == "teacher" else STUDENTS, name, kind)


def _lookup(table, name, kind):
    from tfcompress.models.text_classifier import TextClassifier
    from tfcompress.models.user_teacher import import_attribute, is_attribute_spec

    if name in table:
        return table[name]
    if not is_attribute_spec(name):
        raise ValueError(f"unknown {kind} {name!r}; registered {kind}s are {sorted(table)}, or give "
                         "module:Class of a TextClassifier subclass")
    value = import_attribute(name)
    if not (isinstance(value, type) and issubclass(value, TextClassifier)):
        raise ValueError(f"{kind} {name}: {type(value).__name__} {getattr(value, '__name__', '')!r} is not a "
                         "TextClassifier subclass (see docs/students.md)")
    return value
