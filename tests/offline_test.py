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
