"""Disk cache of a teacher's outputs on a dataset (logits, word attributions), keyed by model and data."""
import hashlib
import json
import os
import shutil

import numpy as np

from tfcompress.atomic import atomic_path, write_json_atomic

# Texts per cached file of logits: the unit an interrupted labelling resumes from.
CHUNK = 16384


def model_key(model, texts):
    """A hash of ``model`` (its class, config, compute dtype when not float32 and every weight) and ``texts``."""
    digest = hashlib.sha256(type(model).__name__.encode())
    digest.update(json.dumps(model.get_config(), sort_keys=True, default=str).encode())
    if getattr(model, "compute_dtype", "float32") != "float32":  # e.g. the teacher's bfloat16 copy
        digest.update(model.compute_dtype.encode())
    for weight in model.get_weights():
        digest.update(np.ascontiguousarray(weight).tobytes())
    for text in texts:
        digest.update(text.encode("utf-8") + b"\0")
    return digest.hexdigest()[:24]


class TeacherOutputCache:
    """Compute a teacher's logits / word attributions on a list of texts once and reuse them.

    The key hashes the model class, its config, its compute dtype (when not float32), every weight value and
    the texts, so a retrained teacher, its bfloat16 copy or different data never reads stale outputs. Files are written atomically.

    Args:
        folder: where the ``.npz`` files live.

    Example:
        >>> cache = TeacherOutputCache("runs/x/teacher_cache")
        >>> logits = cache.logits(teacher, data.train.texts)
    """

    def __init__(self, folder):
        self.folder = os.fspath(folder)
        os.makedirs(self.folder, exist_ok=True)
        self.hits = self.misses = 0

    def key(self, model, texts):
        return model_key(model, texts)

    def _path(self, kind, model, texts, extension=".npz"):
        return os.path.join(self.folder, f"{kind}-{self.key(model, texts)}{extension}")

    def logits(self, model, texts, batch_size=256, chunk=CHUNK):
        """(n, classes) float32 logits of ``model`` on ``texts``, from the cache when present.

        More than ``chunk`` texts are computed and cached ``chunk`` at a time, so an interrupted
        labelling of a large transfer set resumes from the last finished chunk.
        """
        texts = list(texts)
        if len(texts) > chunk:
            parts = [self.logits(model, texts[start:start + chunk], batch_size, chunk)
                     for start in range(0, len(texts), chunk)]
            return np.concatenate(parts)
        path = self._path("logits", model, texts)
        cached = self._load(path)
        if cached is not None:
            return cached["logits"]
        logits = model.predict_texts(texts, batch_size=batch_size).astype(np.float32)
        self._save(path, logits=logits)
        return logits

    def word_vectors(self, model, words):
        """``model.word_vectors(words)`` (one context-free vector per word), from the cache when present."""
        words = list(words)
        return self.arrays("word_vectors", model, words, lambda: {"vectors": model.word_vectors(words)})["vectors"]

    def word_importance(self, model, texts, target=None):
        """Per-text word attribution arrays (``model.word_importance``), from the cache when present."""
        kind = "importance" if target is None else \
            "importance-target-" + hashlib.sha256(np.asarray(target, np.int64).tobytes()).hexdigest()[:12]
        path = self._path(kind, model, texts)
        cached = self._load(path)
        if cached is None:
            _, maps = model.word_importance(list(texts), target=target)
            offsets = np.cumsum([0] + [len(m) for m in maps])
            values = np.concatenate(maps) if maps else np.zeros(0, np.float32)
            self._save(path, values=values.astype(np.float32), offsets=offsets)
            cached = {"values": values, "offsets": offsets}
        values, offsets = cached["values"], cached["offsets"]
        return [values[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]

    def arrays(self, kind, model, texts, compute):
        """Any named arrays derived from ``model`` on ``texts``: ``compute()`` runs on a miss.

        Args:
            kind: a name for what is cached, including every setting ``compute`` depends on.
            model: the teacher (part of the key).
            texts: the texts (part of the key).
            compute: a function returning a dict of NumPy arrays.
        """
        path = self._path(kind, model, texts)
        cached = self._load(path)
        if cached is None:
            cached = {name: np.asarray(value) for name, value in compute().items()}
            self._save(path, **cached)
        return cached

    def record(self, kind, model, texts, compute, output=None):
        """A JSON-serializable dict derived from ``model`` on ``texts`` (e.g. an attack's result), from the cache
        when present: ``compute()`` runs on a miss.

        Args:
            kind: a name for what is computed, including every setting ``compute`` depends on.
            model: the teacher (part of the key).
            texts: the texts (part of the key).
            compute: a function returning the dict.
            output: ``(entry, path)`` when ``compute`` also writes a file to ``path`` and returns its path under
                ``entry``: the file is cached beside the record and, on a hit, copied back to ``path``.

        Example:
            >>> cache.record("attack-pwws-n200", teacher, data.test.texts, lambda: attack_model(teacher, ...))
        """
        stem = self._path(kind, model, texts, extension="")
        path, kept_file = stem + ".json", stem + ".file"
        if os.path.exists(path) and (output is None or os.path.exists(kept_file)):
            self.hits += 1
            with open(path, encoding="utf-8") as handle:
                result = json.load(handle)
            if output is not None:
                entry, destination = output
                with atomic_path(destination) as tmp:
                    shutil.copyfile(kept_file, tmp)
                result[entry] = destination
            return result
        self.misses += 1
        result = compute()
        if output is not None:
            with atomic_path(kept_file) as tmp:
                shutil.copyfile(output[1], tmp)
        write_json_atomic(result, path)
        return result

    def _load(self, path):
        if not os.path.exists(path):
            self.misses += 1
            return None
        self.hits += 1
        with np.load(path) as data:
            return {name: data[name] for name in data.files}

    def _save(self, path, **arrays):
        with atomic_path(path) as tmp:
            np.savez(tmp, **arrays)
