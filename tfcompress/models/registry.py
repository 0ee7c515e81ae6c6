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


def _lookup(table, name, kind):
    if name not in table:
        raise ValueError(f"unknown {kind} {name!r}; registered {kind}s are {sorted(table)}")
    return table[name]
