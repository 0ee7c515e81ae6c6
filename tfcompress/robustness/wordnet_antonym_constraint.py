"""A textattack constraint that rejects swapping a word for one of its WordNet antonyms."""
from tfcompress.robustness.offline_textattack import import_textattack

textattack = import_textattack()


class WordNetAntonymConstraint(textattack.constraints.Constraint):
    """Rejects a swap whose new word is a WordNet antonym of the word it replaces.

    Added to the offline TextFooler: plain GloVe neighbours include antonyms ("good"/"bad",
    cosine 0.80), which counter-fitted vectors were built to push apart. Uses the local WordNet
    (NLTK data built by ``tfcompress.offline``).

    Example:
        >>> WordNetAntonymConstraint().antonyms("good")
        {'bad', 'badness', 'evil', 'evilness', 'ill'}
    """

    def __init__(self, compare_against_original=True):
        super().__init__(compare_against_original)
        from nltk.corpus import wordnet

        self.wordnet = wordnet
        self._cache = {}

    def antonyms(self, word):
        """Lower-cased WordNet antonyms of any sense of ``word``."""
        if word not in self._cache:
            self._cache[word] = {antonym.name().replace("_", " ").lower()
                                 for synset in self.wordnet.synsets(word) for lemma in synset.lemmas()
                                 for antonym in lemma.antonyms()}
        return self._cache[word]

    def _check_constraint(self, transformed_text, reference_text):
        try:
            indices = transformed_text.attack_attrs["newly_modified_indices"]
        except KeyError:
            indices = reference_text.all_words_diff(transformed_text)
        for index in indices:
            old = reference_text.words[index].lower()
            new = transformed_text.words[index].lower()
            if new in self.antonyms(old):
                return False
        return True

    def check_compatibility(self, transformation):
        return isinstance(transformation, textattack.transformations.WordSwap)
