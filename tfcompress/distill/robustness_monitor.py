"""Callback: attack success rate on a fixed sample, logged during training."""
from tfcompress.backend import keras


class RobustnessMonitor(keras.callbacks.Callback):
    """Every ``every`` epochs, attack the student on a fixed sample and log how it holds up.

    Adds ``attack_success_rate`` and ``accuracy_under_attack`` to the epoch logs (so
    ``EarlyStopping``/``ModelCheckpoint`` placed after it in the callback list can monitor them)
    and keeps every measurement in ``history``. Works on a ``Distiller`` (its student is attacked)
    or any tfcompress model being fitted. Needs textattack (the full stack).

    Args:
        texts, labels: the labelled sample to attack (e.g. 50 validation sentences).
        recipe: an attack recipe name (``tfcompress.robustness.RECIPE_NAMES``).
        every: measure every this many epochs.
        query_budget: model queries per attacked text.
        max_words: only a text's first ``max_words`` words may be edited (``None``: any).
        seed: the attack's seed (fixed, so epochs are comparable).

    Example:
        >>> monitor = RobustnessMonitor(data.validation.texts[:50], data.validation.labels[:50], "deepwordbug")
    """

    def __init__(self, texts, labels, recipe="deepwordbug", every=1, query_budget=None, seed=0, max_words=None):
        super().__init__()
        from tfcompress.robustness import check_recipe

        self.texts, self.labels = list(texts), list(labels)
        self.recipe, self.every, self.query_budget, self.seed = check_recipe(recipe), int(every), query_budget, seed
        self.max_words = max_words
        self.history = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        from tfcompress.robustness import attack_model

        student = getattr(self.model, "student", self.model)
        result = attack_model(student, self.texts, self.labels, self.recipe, seed=self.seed, progress=False,
                              query_budget=self.query_budget, max_words=self.max_words)
        measured = {"attack_success_rate": result["attack_success_rate"],
                    "accuracy_under_attack": result["accuracy_under_attack"]}
        self.history.append({"epoch": epoch, **measured})
        if logs is not None:
            logs.update({name: float(value) for name, value in measured.items() if value is not None})
