"""Offline NLTK resources: WordNet 3.0 from Debian's packages plus an English stopword list.

``import textattack`` loads NLTK stopwords and WordNet and tries to download them when missing,
which fails without a network. ``build_nltk_data`` lays out an ``nltk_data`` folder from Debian's
``wordnet-base`` and ``wordnet-sense-index`` files (``/usr/share/wordnet``), so nothing is downloaded.

The package owns one location for it, found from any working directory: ``.cache/nltk_data`` at the root of
the source checkout the package runs from (the folder ``make`` fills), or ``~/.cache/tfcompress/nltk_data`` for
an installed package; ``NLTK_DATA``, when set, wins. ``ensure_nltk_data`` builds the folder on first use when
Debian's WordNet packages are present, and otherwise raises ``OfflineResourceError`` naming the fix.

Run ``python -m tfcompress.offline --out DIR`` to build it elsewhere.
"""
import argparse
import os
import shutil
import sys

from tfcompress.atomic import write_text_atomic
from tfcompress.errors import OfflineResourceError

DEBIAN_WORDNET = "/usr/share/wordnet"
SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def package_nltk_data():
    """The package's own nltk_data folder: the source checkout's ``.cache/nltk_data`` (what ``make`` fills), or
    ``~/.cache/tfcompress/nltk_data`` when the package is installed outside a checkout."""
    if os.path.exists(os.path.join(SOURCE_ROOT, "pyproject.toml")):
        return os.path.join(SOURCE_ROOT, ".cache", "nltk_data")
    return os.path.join(os.path.expanduser("~"), ".cache", "tfcompress", "nltk_data")


DEFAULT_NLTK_DATA = package_nltk_data()
WORDNET_FILES = [f"{kind}.{pos}" for kind in ("data", "index") for pos in ("noun", "verb", "adj", "adv")] + \
    [f"{pos}.exc" for pos in ("noun", "verb", "adj", "adv")]
OPTIONAL_WORDNET_FILES = ["index.sense", "cntlist.rev", "cntlist", "sentidx.vrb", "sents.vrb", "frames.vrb"]

# The lexicographer files of WordNet 3.0 (number, name, syntactic category), as tabulated in the
# lexnames(5WN) manual page. NLTK reads them from a `lexnames` file that Debian does not ship.
LEXNAMES = ["adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact",
            "noun.attribute", "noun.body", "noun.cognition", "noun.communication", "noun.event",
            "noun.feeling", "noun.food", "noun.group", "noun.location", "noun.motive", "noun.object",
            "noun.person", "noun.phenomenon", "noun.plant", "noun.possession", "noun.process",
            "noun.quantity", "noun.relation", "noun.shape", "noun.state", "noun.substance", "noun.time",
            "verb.body", "verb.change", "verb.cognition", "verb.communication", "verb.competition",
            "verb.consumption", "verb.contact", "verb.creation", "verb.emotion", "verb.motion",
            "verb.perception", "verb.possession", "verb.social", "verb.stative", "verb.weather", "adj.ppl"]
CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}

ENGLISH_STOPWORDS = """
i me my myself we our ours ourselves you you're you've you'll you'd your yours yourself yourselves he him
his himself she she's her hers herself it it's its itself they them their theirs themselves what which who
whom this that that'll these those am is are was were be been being have has had having do does did doing
a an the and but if or because as until while of at by for with about against between into through during
before after above below to from up down in out on off over under again further then once here there when
where why how all any both each few more most other some such no nor not only own same so than too very s t
can will just don don't should should've now d ll m o re ve y ain aren aren't couldn couldn't didn didn't
doesn doesn't hadn hadn't hasn hasn't haven haven't isn isn't ma mightn mightn't mustn mustn't needn needn't
shan shan't shouldn shouldn't wasn wasn't weren weren't won won't wouldn wouldn't
""".split()


def lexnames_text():
    return "".join(f"{number:02d}\t{name}\t{CATEGORY[name.split('.')[0]]}\n"
                   for number, name in enumerate(LEXNAMES))


def build_nltk_data(out=DEFAULT_NLTK_DATA, wordnet_dir=DEBIAN_WORDNET):
    """Create ``out/corpora/wordnet`` and ``out/corpora/stopwords/english``; returns ``out``.

    Raises:
        FileNotFoundError: the WordNet database files are missing (install Debian's ``wordnet-base``
            and ``wordnet-sense-index``), naming the first missing file.
    """
    missing = [name for name in WORDNET_FILES if not os.path.exists(os.path.join(wordnet_dir, name))]
    if missing:
        raise FileNotFoundError(
            f"WordNet file {os.path.join(wordnet_dir, missing[0])} not found; install Debian's "
            "wordnet-base and wordnet-sense-index (apt-get install wordnet-base wordnet-sense-index)")
    staging = out.rstrip("/") + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    wordnet = os.path.join(staging, "corpora", "wordnet")
    stopwords = os.path.join(staging, "corpora", "stopwords")
    os.makedirs(wordnet)
    os.makedirs(stopwords)
    for name in WORDNET_FILES + OPTIONAL_WORDNET_FILES:
        source = os.path.join(wordnet_dir, name)
        if os.path.exists(source):
            shutil.copyfile(os.path.realpath(source), os.path.join(wordnet, name))
    write_text_atomic(lexnames_text(), os.path.join(wordnet, "lexnames"))
    write_text_atomic("\n".join(ENGLISH_STOPWORDS) + "\n", os.path.join(stopwords, "english"))
    for folder, _, files in os.walk(staging):
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    os.replace(staging, out)
    return out


def nltk_data_complete(path):
    """True when ``path`` holds the WordNet and stopwords corpora textattack and the WordNet sets read."""
    return all(os.path.exists(os.path.join(path, *parts)) for parts in
               (("corpora", "wordnet", "data.noun"), ("corpora", "stopwords", "english")))


def ensure_nltk_data(path=None, wordnet_dir=None):
    """The offline nltk_data folder (``NLTK_DATA`` or the package's own), built there on first use.

    Raises:
        OfflineResourceError: the folder is incomplete and Debian's WordNet files are not installed to build it.
    """
    path = path or os.environ.get("NLTK_DATA") or DEFAULT_NLTK_DATA
    if nltk_data_complete(path):
        return path
    try:
        return build_nltk_data(path, wordnet_dir or DEBIAN_WORDNET)
    except FileNotFoundError as error:
        raise OfflineResourceError(
            f"NLTK data not found at {path} and it cannot be built: {error} (then it is built on first use, or "
            f"run `make nltk-data`)") from None


def use_nltk_data(path=None):
    """Point NLTK (this process and its children) at the offline ``nltk_data`` folder, building it on first use
    when it can (``ensure_nltk_data``); returns it."""
    path = path or os.environ.get("NLTK_DATA") or DEFAULT_NLTK_DATA
    try:
        path = ensure_nltk_data(path)
    except OfflineResourceError:
        pass  # who needs the data says so (check_nltk_data, wordnet_missing) with the fix
    os.environ["NLTK_DATA"] = path
    if "nltk" in sys.modules and path not in sys.modules["nltk"].data.path:
        sys.modules["nltk"].data.path.insert(0, path)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tfcompress.offline", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_NLTK_DATA, help="nltk_data folder to create")
    parser.add_argument("--wordnet-dir", default=DEBIAN_WORDNET, help="WordNet 3.0 database files")
    args = parser.parse_args(argv)
    try:
        print(build_nltk_data(args.out, args.wordnet_dir))
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
