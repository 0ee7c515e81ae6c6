import os
import subprocess
import sys

import pytest

from tests.conftest import requires_full_stack
from tfcompress.offline import LEXNAMES, build_nltk_data, lexnames_text


def test_lexnames_table_has_the_45_wordnet_lexicographer_files():
    lines = lexnames_text().splitlines()
    assert len(lines) == len(LEXNAMES) == 45
    assert lines[0] == "00\tadj.all\t3" and lines[5] == "05\tnoun.animal\t1" and lines[44] == "44\tadj.ppl\t3"


def test_missing_wordnet_names_the_file_and_the_packages(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"data\.noun not found; install Debian's wordnet-base"):
        build_nltk_data(str(tmp_path / "out"), wordnet_dir=str(tmp_path))
    assert not (tmp_path / "out").exists()


def test_built_folder_has_wordnet_and_stopwords(nltk_data_dir):
    corpora = os.path.join(nltk_data_dir, "corpora")
    assert os.path.getsize(os.path.join(corpora, "wordnet", "data.noun")) > 1_000_000
    with open(os.path.join(corpora, "stopwords", "english")) as handle:
        words = handle.read().split()
    assert "the" in words and len(words) == 179


@requires_full_stack
def test_textattack_imports_and_wordnet_answers_offline(nltk_data_dir):
    code = ("import textattack\n"
            "from nltk.corpus import wordnet\n"
            "print(sorted({l.name() for s in wordnet.synsets('film') for l in s.lemmas()})[:50])\n"
            "print(wordnet.synsets('dog')[0].lexname())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                         env={**os.environ, "NLTK_DATA": nltk_data_dir}, check=True)
    assert "'movie'" in out.stdout and "noun.animal" in out.stdout


def test_the_package_finds_its_own_data_from_any_folder_without_nltk_data(tmp_path):
    from tfcompress.offline import DEFAULT_NLTK_DATA, SOURCE_ROOT

    code = ("import os\nfrom tfcompress.offline import ensure_nltk_data\n"
            "print(ensure_nltk_data())\n")
    env = {key: value for key, value in os.environ.items() if key != "NLTK_DATA"}
    env["PYTHONPATH"] = SOURCE_ROOT
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                         env=env, check=True)
    assert out.stdout.strip() == DEFAULT_NLTK_DATA == os.path.join(SOURCE_ROOT, ".cache", "nltk_data")


def test_an_empty_folder_is_built_on_first_use_and_an_unbuildable_one_names_the_fix(tmp_path):
    from tfcompress.errors import OfflineResourceError
    from tfcompress.offline import DEBIAN_WORDNET, ensure_nltk_data, nltk_data_complete

    if os.path.exists(os.path.join(DEBIAN_WORDNET, "data.noun")):
        assert ensure_nltk_data(str(tmp_path / "fresh")) == str(tmp_path / "fresh")
        assert nltk_data_complete(str(tmp_path / "fresh"))
    with pytest.raises(OfflineResourceError, match=r"NLTK data not found at .*wordnet-base.*make nltk-data"):
        ensure_nltk_data(str(tmp_path / "never"), wordnet_dir=str(tmp_path / "no_wordnet"))
    assert not (tmp_path / "never").exists()
