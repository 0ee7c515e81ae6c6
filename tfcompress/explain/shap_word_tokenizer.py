"""The package's word tokenizer in the form ``shap.maskers.Text`` expects."""
from tfcompress.text.word_tokenizer import WordTokenizer


class ShapWordTokenizer:
    """Callable tokenizer for ``shap.maskers.Text``: the tokens of ``WordTokenizer``, with offsets.

    shap masks the text segment by segment, each segment being a token and the whitespace after
    it, so the words shap scores are exactly the model's words (``encoder.words``). Token ids are
    the token positions (shap uses only the offsets for string output). The offsets index the
    lower-cased text, which has the length of the original for all but a few characters (e.g.
    "İ"); ``explain`` lower-cases such texts before explaining them.

    Example:
        >>> ShapWordTokenizer()("Don't panic!")
        {'input_ids': [0, 1, 2], 'offset_mapping': [(0, 5), (6, 11), (11, 12)]}
    """

    def __init__(self):
        self.tokenizer = WordTokenizer()

    def __call__(self, text, return_offsets_mapping=True, **kwargs):
        spans = self.tokenizer.spans(text)
        out = {"input_ids": list(range(len(spans)))}
        if return_offsets_mapping:
            out["offset_mapping"] = spans
        return out
