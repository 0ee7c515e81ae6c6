"""A saved tfcompress teacher called as a plain function (texts -> logits): what ``benchmarks/teachers.py``'s
``callable`` row gives ``tfcompress run --teacher teachers:minilm_function`` (a module named ``teachers``, in a
folder of its own).

The folder is all the run's PYTHONPATH adds, so it holds nothing else: a benchmark script on the path could shadow
an installed package of the same name.
"""
import os

TEACHER_PATH_VARIABLE = "TFCOMPRESS_BENCHMARK_TEACHER"


class SavedTeacherFunction:
    """Loads the saved teacher at ``$TFCOMPRESS_BENCHMARK_TEACHER`` on its first call, then returns its logits
    for a list of texts: a user with only a callable classifier."""

    def __init__(self):
        self.model = None
        self.__name__ = "minilm_function"

    def __call__(self, texts):
        if self.model is None:
            from tfcompress.models import load_model

            self.model = load_model(os.environ[TEACHER_PATH_VARIABLE])
        return self.model.predict_texts(list(texts))


minilm_function = SavedTeacherFunction()
