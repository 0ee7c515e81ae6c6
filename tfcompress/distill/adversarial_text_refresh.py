"""Callback: refill an ``AdversarialTextPool`` with attacks on the current student."""
import numpy as np

from tfcompress.backend import keras
from tfcompress.distill.distiller import TEACHER_LOGITS_KEY


class AdversarialTextRefresh(keras.callbacks.Callback):
    """Every ``every`` epochs, attack a fresh sample of training texts and put the successes in the pool.

    The attacks are textattack recipes (``tfcompress.robustness``: ``deepwordbug`` character edits,
    ``pruthi`` typos, ``pwws`` WordNet synonym swaps) against the student as it is at that moment,
    taking turns over the sample. The attacked class is the teacher's prediction when the data
    carries cached teacher logits, else the label (unlabelled rows without teacher logits are
    skipped). The pool is filled before the first epoch and after every ``every``-th epoch, so each
    epoch's data is fixed when it starts; not after the fit's last epoch, nor after an epoch at whose end the fit
    stops (no epoch would train on those texts: place it after ``EarlyStopping`` so it sees the decision).
    Needs textattack (the full stack).

    Args:
        pool: the ``AdversarialTextPool`` given to ``distillation_dataset``.
        recipes: attack recipe names, used in turn.
        num_examples: training texts attacked per refresh.
        every: refresh period in epochs.
        query_budget: model queries per attacked text.
        max_words: only a text's first ``max_words`` words may be edited (``None``: any).
        seed: fixes each refresh's sample (seed + epoch).

    Example:
        >>> refresh = AdversarialTextRefresh(pool, recipes=("deepwordbug", "pwws"), every=2)
    """

    def __init__(self, pool, recipes=("deepwordbug", "pwws"), num_examples=256, every=2, query_budget=200, seed=0,
                 max_words=None):
        super().__init__()
        from tfcompress.robustness import check_recipe

        self.recipes = [check_recipe(recipe) for recipe in recipes]
        if not self.recipes or every < 1 or num_examples < 1:
            raise ValueError("AdversarialTextRefresh needs at least one recipe, every >= 1 and num_examples >= 1")
        self.pool, self.num_examples, self.every = pool, int(num_examples), int(every)
        self.query_budget, self.seed, self.max_words = query_budget, int(seed), max_words
        self.history = []

    def on_train_begin(self, logs=None):
        self.refresh(epoch=0)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["adversarial_pool"] = float(len(self.pool))
        stopping = getattr(self.model, "stop_training", False)  # e.g. set by EarlyStopping before this callback
        if (epoch + 1) % self.every == 0 and epoch + 1 != self.params.get("epochs") and not stopping:
            self.refresh(epoch + 1)

    def attack_targets(self):
        """The class each clean example is attacked away from (-1: skip)."""
        if TEACHER_LOGITS_KEY in self.pool.features:
            return np.argmax(self.pool.features[TEACHER_LOGITS_KEY], axis=-1)
        return np.asarray(self.pool.labels)

    def refresh(self, epoch):
        from tfcompress.robustness import attack_model

        targets = self.attack_targets()
        candidates = np.flatnonzero(targets >= 0)
        rng = np.random.RandomState(self.seed + epoch)
        sample = rng.choice(candidates, min(self.num_examples, len(candidates)), replace=False)
        indices, texts = [], []
        for turn, recipe in enumerate(self.recipes):
            chosen = sample[turn::len(self.recipes)]
            if not len(chosen):
                continue
            result = attack_model(self.pool.student, self.pool.texts, targets, recipe, seed=self.seed + epoch,
                                  progress=False, query_budget=self.query_budget, return_examples=True,
                                  indices=chosen, max_words=self.max_words)
            for row in result["examples"]:
                if row["outcome"] == "successful":
                    indices.append(row["index"])
                    texts.append(row["perturbed_text"])
        self.pool.set(indices, texts)
        self.history.append({"epoch": epoch, "attacked": int(len(sample)), "pool": len(indices)})
        return len(indices)
