"""Import textattack so that it never touches the network.

``import textattack`` runs a one-time "post install" that calls ``nltk.download`` for six
resources unless a marker file ``post_install_check_3`` exists in its cache folder
(``TA_CACHE_DIR``, which also redirects ``HF_HOME``, ``TFHUB_CACHE_DIR`` and ``XDG_CACHE_HOME``
for the whole process). It also needs NLTK stopwords and WordNet on import. ``import_textattack``
points NLTK at the offline folder ``python -m tfcompress.offline`` builds, sets ``TA_CACHE_DIR``
to a local folder with the marker in it and the Hugging Face libraries to offline mode, checks
the NLTK data first, and only then imports textattack: a missing resource is a clear error, not
a download attempt or a hang.
"""
import contextlib
import logging
import os
import sys
import warnings

from tfcompress.errors import OfflineResourceError  # noqa: F401  (defined TF-free, for the CLI)

DEFAULT_TA_CACHE_DIR = os.path.join(os.path.expanduser("~"), ".cache", "tfcompress", "textattack")
POST_INSTALL_MARKER = "post_install_check_3"  # textattack 0.3.11's name for it


def import_textattack():
    """Import and return the ``textattack`` module, offline.

    Raises:
        ImportError: textattack is not installed (it is on the full stack only).
        OfflineResourceError: the NLTK stopwords/WordNet folder is missing.
    """
    import importlib.util
    import sys

    if "textattack" in sys.modules:
        return sys.modules["textattack"]
    if importlib.util.find_spec("textattack") is None:
        raise ImportError("attacks need textattack (pip install 'textattack==0.3.11'; it is in the full stack, "
                          "requirements/full.txt)")
    nltk_data = check_nltk_data()
    cache = os.environ.setdefault("TA_CACHE_DIR", DEFAULT_TA_CACHE_DIR)
    os.makedirs(cache, exist_ok=True)
    marker = os.path.join(cache, POST_INSTALL_MARKER)
    if not os.path.exists(marker):
        open(marker, "w").close()
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ.setdefault(name, "1")
    from tfcompress.offline import use_nltk_data

    use_nltk_data(nltk_data)
    with no_nltk_downloads(), _quiet_dependency_imports():
        import textattack
    # Every model here is a user model to textattack: its "Unknown if model ... compatible" warning
    # on each attack says nothing.
    textattack.shared.utils.logger.addFilter(lambda record: "Unknown if model" not in record.getMessage())
    # textattack's log handler keeps the sys.stderr of import time; if that was a temporary stream
    # (a notebook cell's, a test's captured one) it is closed later. Always write to the current one.
    for handler in textattack.shared.utils.logger.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(_CurrentStderr())
    return textattack


@contextlib.contextmanager
def _quiet_dependency_imports():
    """textattack's imports of transformers and jieba warn about their own deprecations (a cache variable,
    ``pkg_resources``), nothing the user can act on: those two warnings are not shown."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*PYTORCH_TRANSFORMERS_CACHE.*", category=FutureWarning)
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
        yield


class _CurrentStderr:
    """A file-like object that writes to whatever ``sys.stderr`` is at the time of the write."""

    def write(self, text):
        return sys.stderr.write(text)

    def flush(self):
        sys.stderr.flush()


@contextlib.contextmanager
def no_nltk_downloads():
    """Within the block ``nltk.download`` refuses without touching the network.

    textattack's ``WordSwapWordNet`` (PWWS) calls ``nltk.download("omw-1.4")`` when built; the
    Open Multilingual WordNet is only needed for non-English lookups, so refusing is harmless.
    """
    import nltk

    original, refused = nltk.download, []

    def refuse(info_or_id=None, *args, **kwargs):
        refused.append(info_or_id)
        return False

    nltk.download = refuse
    try:
        yield refused
    finally:
        nltk.download = original


def check_nltk_data():
    """The offline nltk_data folder textattack will use (built on first use when Debian's WordNet is installed);
    raises ``OfflineResourceError`` naming the fix when it is incomplete and cannot be built."""
    from tfcompress.offline import ensure_nltk_data

    return ensure_nltk_data()
