"""What the recipe uses of a teacher beyond its logits, and what it switches off for a teacher without it.

Every teacher gives logits on raw texts. Two features are optional:

- ``word_vectors``: one context-free vector per word. Used to start the student's word embeddings
  (``student.embedding_init: teacher``), for the transfer set's neighbour substitutions (``transfer.substitute``)
  and for the worst-case term's ``teacher_neighbours`` sets.
- ``gradients``: the teacher's gradients with respect to its input vectors (a ``TextClassifier``). Used by the
  ``saliency``, ``features`` and ``attention`` explanation terms, the ``integrated_gradients`` teacher attribution
  and the explanation-fidelity monitor's gradient maps.

Without them the recipe keeps what works from logits alone: the word-deletion (occlusion, endpoint-Shapley) maps,
a transfer set of word dropout, corpus-word swaps and n-gram windows, randomly started embeddings, WordNet
substitution sets; ``settings_for_teacher`` makes those changes and says why, for metrics.json.
"""
from tfcompress.models.user_teacher import TextTeacher

GRADIENT_EXPLANATIONS = ("saliency", "features", "attention")


def teacher_features(teacher):
    """``{"word_vectors": bool, "gradients": bool}``: the optional features ``teacher`` offers.

    Example:
        >>> teacher_features(TextTeacher(my_function, ["neg", "pos"]))
        {'word_vectors': False, 'gradients': False}
    """
    if isinstance(teacher, TextTeacher):
        return {"word_vectors": teacher.features["word_vectors"], "gradients": False}
    return {"word_vectors": hasattr(teacher, "word_vectors"), "gradients": hasattr(teacher, "logits_from_embeddings")}


def settings_for_teacher(settings, teacher):
    """``settings`` with every part that needs a feature ``teacher`` lacks switched off or replaced, and the list
    of those changes: ``[{"setting", "was", "now", "why"}]`` (empty for a teacher with every feature).

    Args:
        settings: the run's ``Settings``.
        teacher: the teacher (a ``TextClassifier`` or a ``TextTeacher``).

    Example:
        >>> settings, switched = settings_for_teacher(preset_settings("default"), TextTeacher(scores, ["neg", "pos"]))
        >>> [change["setting"] for change in switched]
        ['student.embedding_init', 'transfer.substitute']
    """
    features, changes = teacher_features(teacher), []

    def switch(path, was, now, why):
        changes.append({"setting": path, "was": was, "now": now, "why": why})

    if not features["word_vectors"]:
        why = "the teacher gives no word vectors"
        if settings.student.embedding_init == "teacher":
            switch("student.embedding_init", "teacher", "random",
                   f"{why}: the student's embeddings start at random")
        if settings.transfer.copies and settings.transfer.substitute:
            switch("transfer.substitute", settings.transfer.substitute, 0.0,
                   f"{why}: the transfer copies keep word dropout, corpus-word swaps and n-gram windows, without "
                   "neighbour substitutions")
        worst_case = settings.worst_case
        if worst_case.weight and "teacher_neighbours" in worst_case.sets:
            kept = [name for name in worst_case.sets if name != "teacher_neighbours"]
            if kept:
                switch("worst_case.sets", list(worst_case.sets), kept, f"{why}: no teacher-neighbour sets")
            else:
                switch("worst_case.weight", worst_case.weight, 0.0, f"{why}: its only sets were teacher neighbours")
    if not features["gradients"]:
        why = "the teacher has no gradients (only a TextClassifier does)"
        explanation = settings.explanation
        if explanation.weight and explanation.kind in GRADIENT_EXPLANATIONS:
            switch("explanation.weight", explanation.weight, 0.0,
                   f"{why}: the {explanation.kind} term compares gradient maps; a self-explaining student follows "
                   "the teacher's word-deletion maps with explanation.kind 'contributions'")
        elif explanation.weight and explanation.teacher_attribution == "integrated_gradients":
            switch("explanation.teacher_attribution", "integrated_gradients", "endpoint_shapley",
                   f"{why}: the student's contributions follow its endpoint-Shapley (word-deletion) maps")
        if settings.teacher.inference == "bfloat16":
            switch("teacher.inference", "bfloat16", "float32", "a teacher you bring runs as it is given")
    if not changes:
        return settings, []
    return settings.with_changes({change["setting"]: change["now"] for change in changes}), changes


def teacher_report(teacher, switched):
    """The ``features`` entry of metrics.json's teacher section: what ``teacher`` offers and what is off."""
    offered = teacher_features(teacher)
    if isinstance(teacher, TextTeacher):
        offered["outputs"] = teacher.outputs
    return {**offered, "switched_off": switched}


__all__ = ["GRADIENT_EXPLANATIONS", "settings_for_teacher", "teacher_features", "teacher_report"]
