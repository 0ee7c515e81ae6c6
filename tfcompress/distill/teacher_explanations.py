"""The teacher's word-level explanations, aligned to a student's word positions."""
import hashlib

import numpy as np

from tfcompress.models.text_classifier import sum_tokens_per_word, words_covered

# The student-side maps of the explanation term (``ExplanationTerm``).
EXPLANATIONS = ("contributions", "saliency", "attention", "features")
# What the student's own contributions are aligned with: the teacher's attributions of these kinds.
TEACHER_ATTRIBUTIONS = ("endpoint_shapley", "occlusion", "alone", "integrated_gradients")
# The teacher maps made of forward passes alone (no gradients), which a bfloat16 copy of the teacher may compute.
FORWARD_MAPS = ("endpoint_shapley", "occlusion", "alone")
# Texts whose occlusion or alone maps are computed in one call: their variants are batched by length across all of
# them, and each distinct word alone runs once. MiniLM (bfloat16, 2 cores) on 1,024 training texts: occlusion
# 55.5 s and alone 4.6 s in one call, against 58.5 s and 9.0 s in chunks of 128 (scripts/teacher_maps_chunks.py).
FORWARD_CHUNK = 2048
# The teacher-side maps ``TeacherExplanations`` computes.
TEACHER_MAPS = ("saliency", "attention", "features") + TEACHER_ATTRIBUTIONS


def occlusion_maps(teacher, texts, max_length=None, positions=None):
    """Per text: the teacher's logit of its predicted class on the text minus that logit with word i deleted,
    for its first ``max_length`` words that the teacher reads (a word past its window gets no value), and only
    the first ``positions`` of them when given (a text of n words costs n + 1 teacher passes otherwise).

    Example:
        >>> occlusion_maps(teacher, ["a gorgeous , witty movie"])[0]  # one value per word
    """
    variants, spans = [], []
    for text in texts:
        words = teacher.encoder.words(text)[:max_length]
        covered = words_covered(teacher.encoder.encode_with_words([text])[1][0])
        start = len(variants)
        variants.append(" ".join(words))
        mapped = min(covered, len(words), positions or len(words))
        variants.extend(" ".join(words[:i] + words[i + 1:]) for i in range(mapped))
        spans.append((start, len(variants)))
    logits = teacher.predict_texts(variants, batch_size=256)
    maps = []
    for start, end in spans:
        target = int(np.argmax(logits[start]))
        maps.append((logits[start, target] - logits[start + 1:end, target]).astype(np.float32))
    return maps


def alone_maps(teacher, texts, max_length=None, positions=None):
    """Per text: the teacher's logit of its predicted class (on the text) for each word alone, minus that logit
    for the empty text, for its first ``max_length`` words that the teacher reads (the first ``positions`` of
    them when given). A word alone has no context, so each distinct word is run once."""
    texts = list(texts)
    word_lists = []
    for text in texts:
        words = teacher.encoder.words(text)[:max_length]
        word_lists.append(words[:words_covered(teacher.encoder.encode_with_words([text])[1][0])])
    distinct = sorted({word for words in word_lists for word in words[:positions]})
    logits = teacher.predict_texts([" ".join(words) for words in word_lists] + [""] + distinct, batch_size=256)
    text_logits, empty, word_logits = logits[:len(texts)], logits[len(texts)], logits[len(texts) + 1:]
    row = {word: index for index, word in enumerate(distinct)}
    maps = []
    for words, scores in zip(word_lists, text_logits):
        target = int(np.argmax(scores))
        maps.append(np.asarray([word_logits[row[word], target] - empty[target] for word in words[:positions]],
                               np.float32))
    return maps


def endpoint_shapley_maps(teacher, texts, max_length=None, positions=None):
    """Per text, the mean of ``alone_maps`` and ``occlusion_maps`` (see ``TeacherExplanations``)."""
    return [(alone + left_out) / 2.0 for alone, left_out in zip(alone_maps(teacher, texts, max_length, positions),
                                                               occlusion_maps(teacher, texts, max_length, positions))]


def teacher_map_kind(explanation, teacher_attribution="endpoint_shapley"):
    """The teacher map an explanation term is compared with: its own kind, or for ``contributions``
    the ``teacher_attribution``."""
    if explanation != "contributions":
        return explanation
    if teacher_attribution not in TEACHER_ATTRIBUTIONS:
        raise ValueError(f"teacher_attribution must be one of {list(TEACHER_ATTRIBUTIONS)}, got {teacher_attribution!r}")
    return teacher_attribution


class TeacherExplanations:
    """Targets of the explanation objective: one teacher map per text, at the student's positions.

    Both models split text with the same ``WordTokenizer``; student position i reads word i, and the
    teacher's map of word i sums (saliency, attention) or averages (features) its tokens, e.g. the
    WordPieces of a BERT-style teacher. ``mask`` marks the words both models see (the shorter of the
    two truncations).

    Kinds:
        ``endpoint_shapley``: the mean of ``alone`` and ``occlusion``, the two end terms of a word's Shapley
            value (which weighs every coalition size alike): its marginal effect on the teacher's logit
            of its predicted class when added to the empty text and when added last; words are deleted,
            as shap's text masker and the AOPC test delete them. The default target of the student's own
            contributions: on 80 validation sentences (seed 1, MiniLM teacher) its Spearman with the
            teacher's shap values (Partition, 300 evaluations) is 0.79, against 0.71 for ``alone``, 0.62
            for ``occlusion``, and (60 sentences, seed 0) 0.33 for 16-step integrated gradients and 0.14
            for gradient x input; ``scripts/teacher_attributions.py`` measures it.
        ``occlusion``: how much that logit drops when the word is deleted from the text (0.09 s a text with
            the MiniLM teacher on 2 cores).
        ``alone``: that logit for the word alone, minus that for the empty text.
        ``integrated_gradients``: the teacher's integrated gradients of that logit (``steps`` points).
        ``saliency``: gradient x input attribution of each word to the teacher's predicted class
            (``word_importance``).
        ``attention``: the teacher's attention-pooling weight of each word (teachers with
            ``attention_map``: bilstm).
        ``features``: the teacher's per-word hidden features (``word_features``), projected on their
            top ``feature_dim`` principal components (fitted once, on the first texts given to
            ``compute``) so targets stay small; the student reaches them through a learned projection
            (FitNets hints).

    Args:
        teacher: the frozen teacher.
        kind: one of ``TEACHER_MAPS``.
        max_length: the student's positions per text.
        feature_dim: principal components kept for ``features``.
        cache: an optional ``TeacherOutputCache``.
        steps: path points of ``integrated_gradients``.
        positions: map only each text's first ``positions`` words (the others are masked out of the term), so
            that the teacher time of a long text is capped (``None``: all ``max_length``).

    Example:
        >>> targets = TeacherExplanations(teacher, "saliency", student.max_length)
        >>> maps, mask = targets.compute(data.train.texts)
    """

    def __init__(self, teacher, kind, max_length, feature_dim=32, cache=None, steps=16, positions=None):
        if kind not in TEACHER_MAPS:
            raise ValueError(f"unknown teacher explanation {kind!r}; choose one of {list(TEACHER_MAPS)}")
        if kind == "attention" and not hasattr(teacher, "attention_map"):
            raise ValueError(f"teacher {teacher.name!r} has no attention pooling; the attention explanation needs "
                             "a teacher with attention_map (bilstm)")
        self.teacher, self.kind, self.max_length = teacher, kind, int(max_length)
        self.feature_dim, self.cache, self.steps = int(feature_dim), cache, int(steps)
        self.positions = min(int(positions), self.max_length) if positions else self.max_length
        self.basis = None

    def compute(self, texts, batch_size=128, first=None):
        """(maps, mask): maps (n, max_length) or (n, max_length, feature_dim) float32, mask (n, max_length).

        With ``first``, only the first ``first`` texts get maps (e.g. the labelled split before its
        transfer copies, when explaining every copy costs too much teacher time); the others get an
        all-zero mask, so the explanation term skips them.
        """
        texts = list(texts)
        if first is not None and first < len(texts):
            maps, mask = self.compute(texts[:first], batch_size)
            rest = len(texts) - first
            return (np.concatenate([maps, np.zeros((rest, *maps.shape[1:]), maps.dtype)]),
                    np.concatenate([mask, np.zeros((rest, mask.shape[1]), mask.dtype)]))
        if self.kind == "endpoint_shapley":  # from the two cached halves, so each is computed once
            halves = [TeacherExplanations(self.teacher, kind, self.max_length, cache=self.cache,
                                          positions=self.positions).compute(texts, batch_size)
                      for kind in ("occlusion", "alone")]
            return (halves[0][0] + halves[1][0]) / 2.0, halves[0][1] * halves[1][1]
        if self.kind == "features" and self.basis is None:
            self.basis = self._fit_basis(texts[:2000])
        if self.cache is None:
            arrays = self._compute(texts, batch_size)
        else:
            detail = {"features": self.feature_dim, "integrated_gradients": self.steps}.get(self.kind, 0)
            kind = f"explain-{self.kind}-{self.max_length}-{detail}"
            if self.positions < self.max_length:
                kind += f"-positions{self.positions}"
            if self.basis is not None:
                kind += "-" + hashlib.sha256(self.basis.tobytes()).hexdigest()[:12]
            arrays = self.cache.arrays(kind, self.teacher, texts, lambda: self._compute(texts, batch_size))
        return arrays["maps"], arrays["mask"]

    def _compute(self, texts, batch_size):
        shape = (len(texts), self.max_length) + ((self.feature_dim,) if self.kind == "features" else ())
        maps, mask = np.zeros(shape, np.float32), np.zeros((len(texts), self.max_length), np.float32)
        if self.kind in ("occlusion", "alone"):
            batch_size = max(batch_size, FORWARD_CHUNK)
        for start in range(0, len(texts), batch_size):
            chunk = texts[start:start + batch_size]
            for row, word_map in enumerate(self._word_maps(chunk)):
                count = min(len(word_map), self.positions)
                maps[start + row, :count] = word_map[:count]
                mask[start + row, :count] = 1.0
        return {"maps": maps, "mask": mask}

    def _word_maps(self, texts):
        if self.kind in ("occlusion", "alone"):
            maps = occlusion_maps if self.kind == "occlusion" else alone_maps
            return maps(self.teacher, texts, self.max_length, self.positions)
        if self.kind == "integrated_gradients":
            from tfcompress.explain.integrated_gradients import integrated_gradients

            return [item["values"] for item in integrated_gradients(self.teacher, texts, steps=self.steps,
                                                                    batch_size=16)]
        if self.kind == "saliency":
            return self.teacher.word_importance(texts, batch_size=len(texts))[1]
        if self.kind == "features":
            return [features @ self.basis for features in self.teacher.word_features(texts, len(texts))[1]]
        inputs, word_index = self.teacher.encoder.encode_with_words(texts)
        attention = self.teacher.attention_map(inputs, training=False).numpy()
        return [sum_tokens_per_word(attention[row], word_index[row]) for row in range(len(texts))]


    def _fit_basis(self, texts):
        words = np.concatenate([features for features in self.teacher.word_features(texts)[1] if len(features)])
        centred = words - words.mean(axis=0)
        _, _, components = np.linalg.svd(centred, full_matrices=False)
        basis = components[:self.feature_dim].T
        if basis.shape[1] < self.feature_dim:
            basis = np.pad(basis, ((0, 0), (0, self.feature_dim - basis.shape[1])))
        return basis.astype(np.float32)
