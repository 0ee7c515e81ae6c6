"""The declared word-substitution threat model, as id sets a worst-case (interval bound) term trains against.

PWWS (Ren et al. 2019, as textattack implements it) may replace any non-stopword by any one-word lemma
of any WordNet synset of the word. ``wordnet_substitutes`` lists exactly those candidates;
``substitution_table`` maps them through the student's encoder (so a synonym outside the vocabulary
becomes what the student would read: a recovered word or unknown) into a fixed-width id table, row i
holding the ids that word id i may turn into (itself first). The defence uses WordNet, the resource
that defines the threat model; TextFooler's GloVe neighbours are never used, so it stays an attack
the defence never saw.
"""
import numpy as np

from tfcompress.text.vocabulary_encoder import UNKNOWN_ID

WORDNET_MISSING = ("the WordNet substitution sets need nltk with the WordNet and stopwords corpora "
                   "(the full stack; `make nltk-data` and NLTK_DATA=.cache/nltk_data)")


def wordnet_missing():
    """Why WordNet substitutions cannot be listed here, or ``None``."""
    from tfcompress.offline import use_nltk_data

    use_nltk_data()
    try:
        from nltk.corpus import stopwords, wordnet

        wordnet.synsets("good")
        stopwords.words("english")
    except (ImportError, LookupError) as error:
        return f"{WORDNET_MISSING}: {type(error).__name__}: {str(error).strip().splitlines()[0]}"
    return None


def wordnet_substitutes(words):
    """``{word: sorted candidates}``: PWWS' WordNet replacements of each word (none for stopwords).

    Raises:
        RuntimeError: nltk or its WordNet / stopwords data is missing (``wordnet_missing``).
    """
    missing = wordnet_missing()
    if missing:
        raise RuntimeError(missing)
    from nltk.corpus import stopwords, wordnet

    stop = set(stopwords.words("english"))
    result = {}
    for word in words:
        if word in stop or not word.isalpha():
            continue
        candidates = {name.lower() for synset in wordnet.synsets(word) for name in synset.lemma_names()
                      if name != word and "_" not in name and " " not in name and "-" not in name}
        candidates.discard(word)
        if candidates:
            result[word] = sorted(candidates)
    return result


def wordnet_antonyms(words):
    """``{word: lower-cased WordNet antonyms of any sense}`` (words with none are left out)."""
    missing = wordnet_missing()
    if missing:
        raise RuntimeError(missing)
    from nltk.corpus import wordnet

    result = {}
    for word in words:
        antonyms = {antonym.name().lower() for synset in wordnet.synsets(word) for lemma in synset.lemmas()
                    for antonym in lemma.antonyms()}
        if antonyms:
            result[word] = antonyms
    return result


def single_word_verdicts(teacher, words, cache=None):
    """``{word: (class, margin)}``: the teacher's class for each word read alone, and its logit margin."""
    words = list(words)
    if not words:
        return {}
    logits = np.asarray(cache.logits(teacher, words) if cache else teacher.predict_texts(words), np.float64)
    ordered = np.sort(logits, axis=1)
    return dict(zip(words, zip(np.argmax(logits, axis=1).tolist(), (ordered[:, -1] - ordered[:, -2]).tolist())))


def flips_polarity(verdicts, word, other, margin=1.0):
    """Whether the teacher reads ``word`` and ``other`` alone as different classes, both beyond ``margin``."""
    (mine, my_margin), (theirs, their_margin) = verdicts[word], verdicts[other]
    return mine != theirs and min(my_margin, their_margin) > margin


def neighbour_substitutes(teacher, words, k=8, min_similarity=0.5, polarity_margin=1.0, cache=None):
    """``{word: candidates}``: each word's nearest words in the teacher's word space, less sentiment flips.

    The declared threat model's second half (beside WordNet): a swap to a word the teacher itself
    places close by. Candidates that are WordNet antonyms of the word, or that the teacher reads
    alone as the other class while it reads the word alone as its class (both logit margins beyond
    ``polarity_margin``), are dropped, so "good" is never declared interchangeable with "bad".
    Stopwords and tokens without letters get none (PWWS and TextFooler never swap them).
    """
    from tfcompress.distill.word_neighbours import teacher_neighbours
    from nltk.corpus import stopwords

    stop = set(stopwords.words("english"))
    words = [word for word in words if word.isalpha() and word not in stop]
    neighbours = teacher_neighbours(teacher, words, k=k, min_similarity=min_similarity, cache=cache)
    verdicts = single_word_verdicts(teacher, words, cache)
    antonyms = wordnet_antonyms(list(neighbours))
    result = {}
    for word, candidates in neighbours.items():
        kept = [other for other in candidates if other not in antonyms.get(word, ())
                and not flips_polarity(verdicts, word, other, polarity_margin)]
        if kept:
            result[word] = kept
    return result


def sentiment_preserving(encoder, substitutes, teacher, cache=None, polarity_margin=1.0):
    """``substitutes`` less the swaps that change what a word means for the task, judged on what the
    student reads: each candidate as the encoder gives it (itself, a recovered vocabulary word or unknown).

    A candidate goes when it, or the vocabulary word it is read as, is a WordNet antonym of the word (any
    sense), or when the teacher reads that vocabulary word alone as the other class while it reads the word
    alone as its class, both logit margins beyond ``polarity_margin`` (awful is not awesome, dull is not
    cute). Returns ``(kept, removed)``: the filtered ``{word: candidates}`` and the count of candidates
    removed for each reason (``antonym``, ``polarity``).
    """
    read_as = {candidate: encoder.canonical_word(candidate) for candidates in substitutes.values()
               for candidate in candidates}
    verdicts = single_word_verdicts(teacher, sorted(set(substitutes) | {word for word in read_as.values() if word}),
                                    cache)
    antonyms = wordnet_antonyms(list(substitutes))
    kept, removed = {}, {"antonym": 0, "polarity": 0}
    for word, candidates in substitutes.items():
        own = []
        for candidate in candidates:
            seen = read_as[candidate]
            if candidate in antonyms.get(word, ()) or seen in antonyms.get(word, ()):
                removed["antonym"] += 1
            elif seen is not None and word in verdicts and flips_polarity(verdicts, word, seen, polarity_margin):
                removed["polarity"] += 1
            else:
                own.append(candidate)
        if own:
            kept[word] = own
    return kept, removed


def merged_substitutes(*sources):
    """The union of several ``{word: candidates}`` maps."""
    merged = {}
    for source in sources:
        for word, candidates in source.items():
            merged.setdefault(word, set()).update(candidates)
    return {word: sorted(candidates) for word, candidates in merged.items()}


def substitution_table(encoder, substitutes, max_size=48, keep_unknown=True):
    """An int32 table (num_buckets + 1, width): row i lists the ids word id i may be replaced by.

    Each row starts with i itself and is padded with it; a word whose candidates read as more than
    ``max_size`` distinct ids keeps the ``max_size - 1`` of lowest id (the most frequent words).

    Args:
        encoder: a ``VocabularyEncoder`` (``vocabulary``, ``canonical_id``).
        substitutes: ``{word: candidates}`` (``wordnet_substitutes``).
        max_size: the widest row.
        keep_unknown: keep the unknown id where a candidate reads as unknown (``False``: only the swaps to
            words the student knows; the table then covers less than the threat model, so it is a training
            device, not a certificate).

    Example:
        >>> table = substitution_table(encoder, wordnet_substitutes(encoder.vocabulary))
    """
    rows = encoder.num_buckets + 1
    sets = [[index] for index in range(rows)]
    for word, candidates in substitutes.items():
        own = encoder.canonical_id(word)
        ids = sorted({encoder.canonical_id(candidate) for candidate in candidates} - {own}
                     - (set() if keep_unknown else {UNKNOWN_ID}))
        sets[own] = [own] + ids[:max_size - 1]
    width = max(len(ids) for ids in sets)
    table = np.empty((rows, width), np.int32)
    for index, ids in enumerate(sets):
        table[index] = ids + [ids[0]] * (width - len(ids))
    return table


def substitution_statistics(table, unknown_id=UNKNOWN_ID):
    """How many ids have substitutes, how many they have on average, and the share of those sets that hold the
    unknown id (a candidate the student does not know)."""
    sizes = np.array([len(set(row)) - 1 for row in table])
    having = sizes > 0
    with_unknown = np.array([unknown_id in set(row[1:]) - {row[0]} for row in table])
    return {"words_with_substitutes": int(having.sum()), "mean_substitutes": round(float(sizes[having].mean()), 2)
            if having.any() else 0.0, "share_with_unknown": round(float(with_unknown[having].mean()), 4)
            if having.any() else 0.0, "width": int(table.shape[1])}
