"""Teachers you bring: any text classifier you can call on a batch of strings.

Distillation needs only the teacher's class scores on raw texts: logits, or probabilities (declared, or recognised
on a few probe texts). Everything else the recipe can use from a teacher is optional: word vectors (to start the
student's embeddings from them and to find substitution neighbours) and gradients (saliency, integrated gradients;
only a ``TextClassifier`` has them). ``tfcompress.pipeline.teacher_features`` says what a teacher without them
switches off.

- ``TextTeacher(predict, class_names)``: a plain Python function (or any callable) from a list of strings to a
  (texts, classes) array.
- ``TextTeacher.from_keras(model, ...)``: a tf_keras model whose input is a batch of strings.
- ``TextTeacher.from_saved_model(path, ...)``: a TensorFlow SavedModel signature that takes one string tensor
  (what ``tf.saved_model.save`` and Keras 3's ``model.export`` write).
- ``ready_teacher(spec)``: the teacher a command-line ``--teacher`` names: a saved model path or ``module:attribute``.

Example:
    >>> teacher = TextTeacher(lambda texts: my_service.scores(texts), class_names=["neg", "pos"],
    ...                       outputs="probabilities")
    >>> teacher.predict_texts(["a fine film"]).shape
    (1, 2)
"""
import atexit
import hashlib
import importlib
import json
import os
import subprocess
import sys

import numpy as np

from tfcompress.backend import keras, tf
from tfcompress.errors import TeacherError
from tfcompress.text.word_tokenizer import WordTokenizer

OUTPUTS = ("logits", "probabilities", "auto")
# Texts every teacher you bring is checked on before it is used: ordinary text, a one-word text, the empty text (the
# word-deletion maps ask for it) and characters beyond ASCII.
PROBE_TEXTS = ("a gripping, funny and moving film", "dull", "", "Ünïcode text — with punctuation, 42 digits & symbols!")
PROBE_WORDS = ("good", "film", "dull")
# Probabilities are recognised when every probe row is in [0, 1] and sums to 1 within this.
PROBABILITY_TOLERANCE = 1e-3
# Probabilities become log-probabilities (the logits they are the softmax of, up to a constant) clipped here.
SMALLEST_PROBABILITY = 1e-7


class WholeTextEncoder:
    """The input of a teacher that reads raw text: the texts themselves. Its words are ``WordTokenizer`` tokens,
    every one of the first ``max_length`` read (the word-deletion maps delete each of them in turn).

    Args:
        max_length: words per text the teacher's word maps cover.

    Example:
        >>> WholeTextEncoder(8).encode_with_words(["Great film!"])[1][0]
        array([ 0,  1,  2, -1, -1, -1, -1, -1], dtype=int32)
    """

    input_shape, input_dtype, input_name = (), "string", "text"

    def __init__(self, max_length):
        self.max_length = int(max_length)
        self.tokenizer = WordTokenizer()

    def words(self, text):
        return self.tokenizer.tokenize(text)

    def encode(self, texts):
        """The texts as a NumPy array of Python strings (what ``tf.data`` turns into a string tensor)."""
        if isinstance(texts, str):
            raise TypeError("encode takes a list of texts, not a single string")
        return np.asarray([str(text) for text in texts], dtype=object)

    def encode_with_words(self, texts):
        """(texts, word_index): word_index[i, t] is t for the first ``max_length`` words of text i, -1 after."""
        word_index = np.full((len(texts), self.max_length), -1, np.int32)
        for row, text in enumerate(texts):
            count = min(len(self.words(text)), self.max_length)
            word_index[row, :count] = np.arange(count)
        return self.encode(texts), word_index


def _first_line(error):
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:300]}" if text else type(error).__name__


def _are_probabilities(values):
    return bool((values >= 0).all() and (values <= 1).all() and
                np.allclose(values.sum(axis=1), 1.0, atol=PROBABILITY_TOLERANCE))


class TextTeacher:
    """A teacher from any callable: a list of strings in, one row of class scores per string out.

    It is checked on ``PROBE_TEXTS`` when made (a ``TeacherError`` names what is wrong), and every later batch is
    checked for its shape and for NaN or infinite values. The Distiller, the teacher's output cache, the word-deletion
    explanation maps, the attacks and shap use it like a trained tfcompress teacher; it is never trained.

    Args:
        predict: called with a list of ``str``; returns an array-like (NumPy, a tensor, nested lists) of shape
            (len(texts), classes).
        class_names: the class of each output column, in order; ``None``: the data's classes in the data's order
            (a run checks the count).
        outputs: ``"logits"``; ``"probabilities"`` (used as log-probabilities, which a softmax with a temperature
            softens exactly as it softens the logits they came from); ``"auto"``: probabilities when every probe
            row lies in [0, 1] and sums to 1, else logits.
        word_vectors: optional callable from a list of words to a (words, dim) array: one context-free vector per
            word, which starts the student's embeddings and finds substitution neighbours.
        name: how messages and metrics.json name the teacher (e.g. its path).
        max_length: words per text the word-deletion maps cover.
        batch_size: the most texts given to ``predict`` at once.
        params: the teacher's parameter count, if known (reported in metrics.json).

    Attributes:
        num_classes: columns of its output.
        outputs: ``"logits"`` or ``"probabilities"`` (``"auto"`` resolved).
        fingerprint: a hash of its name and its outputs on the probe texts (the output cache's key: a changed
            teacher never reads another's cached outputs).

    Example:
        >>> def scores(texts):
        ...     return [[1.0, -1.0] if "bad" in text else [-1.0, 1.0] for text in texts]
        >>> teacher = TextTeacher(scores, class_names=["neg", "pos"])
        >>> teacher.predict_texts(["a bad film"]).argmax(-1)
        array([0])
    """

    explains_itself = False
    padding_is_masked = False
    faster_in_bfloat16 = False
    compute_dtype = "float32"

    def __init__(self, predict, class_names=None, outputs="logits", word_vectors=None, name="teacher",
                 max_length=48, batch_size=256, params=None):
        if not callable(predict):
            raise TeacherError(name, f"is a {type(predict).__name__}, not something to call on a batch of strings")
        if outputs not in OUTPUTS:
            raise ValueError(f"outputs must be one of {list(OUTPUTS)}, got {outputs!r}")
        self.name, self.trainable, self.params = str(name), False, params
        self.class_names = None if class_names is None else [str(value) for value in class_names]
        self.batch_size = int(batch_size)
        self.encoder = WholeTextEncoder(max_length)
        self._predict, self._word_vectors = predict, word_vectors
        self.num_classes = None
        probe = self._scores(list(PROBE_TEXTS))
        self.num_classes = probe.shape[1]
        self.outputs = self._resolve_outputs(outputs, probe)
        if self.class_names is not None and len(self.class_names) != self.num_classes:
            raise TeacherError(self.name, f"returns {self.num_classes} class scores per text but has "
                                          f"{len(self.class_names)} class names {self.class_names}")
        if word_vectors is not None:
            self.word_vectors(list(PROBE_WORDS))
        logits = self._as_logits(probe)
        self.fingerprint = hashlib.sha256(self.name.encode() + np.round(logits, 3).tobytes()).hexdigest()[:16]

    def _resolve_outputs(self, outputs, probe):
        probabilities = _are_probabilities(probe)
        if outputs == "auto":
            return "probabilities" if probabilities else "logits"
        if outputs == "probabilities" and not probabilities:
            raise TeacherError(self.name, "is declared to return probabilities, but its scores of the probe texts "
                                          f"are not rows in [0, 1] that sum to 1 (sums {np.round(probe.sum(1), 4)}); "
                                          "declare outputs='logits'")
        return outputs

    @property
    def max_length(self):
        """Words per text its word-deletion maps cover (the encoder's)."""
        return self.encoder.max_length

    @max_length.setter
    def max_length(self, value):
        self.encoder.max_length = int(value)

    @property
    def features(self):
        """What it offers distillation: ``{"outputs", "word_vectors", "gradients"}``."""
        return {"outputs": self.outputs, "word_vectors": self._word_vectors is not None, "gradients": False}

    def _scores(self, texts):
        """``predict(texts)`` as a float64 (texts, classes) array, or a ``TeacherError`` naming what is wrong."""
        try:
            raw = self._predict(list(texts))
        except Exception as error:  # the user's code: any failure is reported as the teacher's
            raise TeacherError(self.name, f"failed on a batch of {len(texts)} strings ({_first_line(error)}); a "
                                          "teacher takes a list of Python strings and returns one row of class "
                                          "scores per string") from error
        try:
            values = np.asarray(raw.numpy() if hasattr(raw, "numpy") else raw, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise TeacherError(self.name, f"returned a {type(raw).__name__}, not an array of class scores "
                                          f"({_first_line(error)})") from None
        if values.ndim != 2 or values.shape[0] != len(texts):
            raise TeacherError(self.name, f"returned shape {values.shape} for {len(texts)} texts; a teacher returns "
                                          "(texts, classes): one row of class scores per text")
        if values.shape[1] < 2:
            raise TeacherError(self.name, f"returned {values.shape[1]} score per text; a classifier returns one "
                                          "score per class (at least 2)")
        if self.num_classes is not None and values.shape[1] != self.num_classes:
            raise TeacherError(self.name, f"returned {values.shape[1]} class scores per text, then "
                                          f"{self.num_classes} for other texts")
        bad = ~np.isfinite(values).all(axis=1)
        if bad.any():
            raise TeacherError(self.name, f"returned NaN or infinite scores for {int(bad.sum())} of {len(texts)} "
                                          f"texts (the first: {texts[int(np.argmax(bad))]!r})")
        return values

    def _as_logits(self, values):
        if self.outputs == "probabilities":
            return np.log(np.clip(values, SMALLEST_PROBABILITY, 1.0))
        return values

    def predict_texts(self, texts, batch_size=256):
        """float32 logits (log-probabilities for a probability teacher), shape (len(texts), num_classes)."""
        texts = [str(text) for text in texts]
        step = max(1, min(int(batch_size), self.batch_size))
        parts = [self._as_logits(self._scores(texts[start:start + step])) for start in range(0, len(texts), step)]
        return np.concatenate(parts).astype(np.float32) if parts else np.zeros((0, self.num_classes), np.float32)

    def __call__(self, inputs, training=None):
        """Logits of a batch of strings given as a string tensor: how the Distiller runs a teacher whose outputs
        are not cached (the texts leave the graph for ``predict``)."""
        def run(batch):
            return self.predict_texts([text.decode("utf-8") for text in batch.reshape(-1)])

        logits = tf.numpy_function(run, [inputs], tf.float32, stateful=False)
        logits.set_shape([None, self.num_classes])
        return logits

    def word_vectors(self, words, batch_size=512):
        """One vector per word, (len(words), dim) float32, from the ``word_vectors`` callable given."""
        if self._word_vectors is None:
            raise TeacherError(self.name, "gives no word vectors (pass word_vectors= to use them)")
        words = list(words)
        try:
            vectors = np.asarray(self._word_vectors(words), np.float32)
        except Exception as error:  # the user's code
            raise TeacherError(self.name, f"word_vectors failed on {len(words)} words ({_first_line(error)})") from error
        if vectors.ndim != 2 or vectors.shape[0] != len(words) or not np.isfinite(vectors).all():
            raise TeacherError(self.name, f"word_vectors returned shape {vectors.shape} for {len(words)} words (or "
                                          "NaN); it returns finite (words, dim) vectors")
        return vectors

    def close(self):
        """Release what the teacher holds: a teacher served in its own process (``from_process``) ends it."""
        close = getattr(self._predict, "close", None)
        if close is not None:
            close()

    def count_params(self):
        return self.params

    def get_weights(self):
        """None: the teacher's identity is its ``fingerprint`` (``get_config``)."""
        return []

    def get_config(self):
        return {"name": self.name, "outputs": self.outputs, "num_classes": self.num_classes,
                "class_names": self.class_names, "max_length": self.max_length, "fingerprint": self.fingerprint}

    @classmethod
    def from_keras(cls, model, class_names=None, outputs="auto", **options):
        """A tf_keras model whose input is a batch of strings (e.g. one starting with ``TextVectorization``).

        Args:
            model: the model; a string input of shape (batch,) or (batch, 1).
            class_names, outputs, **options: as for ``TextTeacher``.

        Example:
            >>> teacher = TextTeacher.from_keras(model, class_names=["neg", "pos"], outputs="logits")
        """
        inputs = getattr(model, "inputs", None) or []
        rank = inputs[0].shape.rank if len(inputs) == 1 else 1
        forward = tf.function(lambda texts: model(texts, training=False), reduce_retracing=True)
        options.setdefault("params", int(model.count_params()))
        options.setdefault("name", model.name)
        return cls(lambda texts: forward(_string_batch(texts, rank)), class_names, outputs, **options)

    @classmethod
    def from_saved_model(cls, path, class_names=None, outputs="auto", signature="serving_default", output=None,
                         **options):
        """A TensorFlow SavedModel whose ``signature`` takes one string tensor, a batch of texts.

        Args:
            path: the SavedModel folder.
            signature: the signature to call.
            output: which of its outputs holds the class scores; ``None``: its only output, else ``logits``,
                ``probabilities`` or ``scores``, in that order.
            class_names, outputs, **options: as for ``TextTeacher``.

        Example:
            >>> teacher = TextTeacher.from_saved_model("exported/classifier", class_names=["neg", "pos"])
        """
        path = os.fspath(path)
        options.setdefault("name", path)
        name = options["name"]
        try:
            loaded = tf.saved_model.load(path)
        except Exception as error:  # TensorFlow raises many kinds for a folder it cannot read
            raise TeacherError(name, f"TensorFlow cannot load it as a SavedModel ({_first_line(error)})") from None
        if signature not in loaded.signatures:
            raise TeacherError(name, f"has no signature {signature!r}; its signatures are {sorted(loaded.signatures)}")
        function = loaded.signatures[signature]
        specs = function.structured_input_signature[1]
        strings = [key for key, spec in specs.items() if spec.dtype == tf.string]
        if len(specs) != 1 or not strings:
            taken = ", ".join(f"{key} ({spec.dtype.name})" for key, spec in specs.items()) or "nothing"
            raise TeacherError(name, f"signature {signature!r} takes {taken}; a teacher's signature takes one "
                                     "string tensor (a batch of texts)")
        key, rank = strings[0], specs[strings[0]].shape.rank
        output = _output_key(name, signature, sorted(function.structured_outputs), output)

        def predict(texts):
            return loaded.signatures[signature](**{key: _string_batch(texts, rank)})[output]

        return cls(predict, class_names, outputs, **options)

    @classmethod
    def from_process(cls, command, class_names=None, outputs="auto", env=None, **options):
        """A teacher served in its own process (``tfcompress.teacher_process``): another Python environment, e.g. one
        with Keras 3 or PyTorch, whatever this one runs.

        Args:
            command: the server's command line; its last part is the teacher's name unless ``name`` is given.
            env: the server's environment (``None``: this process's).
            class_names, outputs, **options: as for ``TextTeacher``.

        Example:
            >>> teacher = TextTeacher.from_process(["/opt/keras3/bin/python", "-m", "tfcompress.teacher_process",
            ...                                     "my_teachers:scores"], class_names=["neg", "pos"])
        """
        function = ProcessFunction(command, env)
        options.setdefault("name", function.command[-1])
        try:
            return cls(function, class_names, outputs, **options)
        except Exception:
            function.close()
            raise


class ProcessFunction:
    """A callable that sends each batch of texts to a teacher serving in its own process
    (``tfcompress.teacher_process``) and returns its scores; the process is stopped by ``close`` or at exit.

    Args:
        command: the server's command line, e.g. ``[python, "-m", "tfcompress.teacher_process", "module:attr"]``.
        env: its environment (``None``: this process's).
    """

    def __init__(self, command, env=None):
        self.command = [str(part) for part in command]
        self.process = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        encoding="utf-8", env=env)
        atexit.register(self.close)

    def __call__(self, texts):
        if self.process.poll() is not None:
            raise RuntimeError(f"the teacher process ended (exit code {self.process.returncode})")
        self.process.stdin.write(json.dumps(list(texts)) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the teacher process ended without replying (its messages are above)")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return np.asarray(answer["scores"], np.float64)

    def close(self):
        """End the process (its input closes, then it is killed if it has not ended within 10 s)."""
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        atexit.unregister(self.close)


def _string_batch(texts, rank):
    """``texts`` as a string tensor of shape (batch,) or, for an input of rank 2, (batch, 1)."""
    batch = tf.constant(list(texts), tf.string)
    return batch[:, None] if rank == 2 else batch


def _output_key(name, signature, keys, wanted):
    if wanted is not None:
        if wanted not in keys:
            raise TeacherError(name, f"signature {signature!r} has no output {wanted!r}; its outputs are {keys}")
        return wanted
    if len(keys) == 1:
        return keys[0]
    for key in ("logits", "probabilities", "scores"):
        if key in keys:
            return key
    raise TeacherError(name, f"signature {signature!r} has outputs {keys}; say which holds the class scores "
                             "(output=...)")


def is_attribute_spec(spec):
    """Whether ``spec`` reads ``module:attribute`` (a Windows drive letter is not a module)."""
    module, colon, attribute = str(spec).partition(":")
    return bool(colon and module and attribute and not os.path.exists(spec) and len(module) > 1)


def import_attribute(spec):
    """The object ``module:attribute`` names (``attribute`` may be dotted); the current folder is importable.

    Example:
        >>> import_attribute("mypackage.teachers:sentiment_scores")
    """
    module_name, _, attribute = str(spec).partition(":")
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        value = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(f"{spec}: cannot import module {module_name!r} ({_first_line(error)}); is it on "
                         "PYTHONPATH?") from None
    for part in attribute.split("."):
        if not hasattr(value, part):
            raise ValueError(f"{spec}: module {module_name!r} has no attribute {attribute!r}")
        value = getattr(value, part)
    return value


def object_name(value):
    """How a teacher object is named: its ``name`` (models), else its ``__name__`` (functions), else its type's."""
    return str(getattr(value, "name", None) or getattr(value, "__name__", None) or type(value).__name__)


def as_teacher(value, name, class_names=None, max_length=48):
    """``value`` as a teacher to distil from: a ``TextTeacher`` or trained ``TextClassifier`` as it is, a tf_keras
    model on string input (``from_keras``), or any callable (a ``TextTeacher`` of it)."""
    from tfcompress.models.text_classifier import TextClassifier

    if isinstance(value, (TextTeacher, TextClassifier)):
        return value
    if isinstance(value, keras.Model):
        return TextTeacher.from_keras(value, class_names, name=name, max_length=max_length)
    return TextTeacher(value, class_names, outputs="auto", name=name, max_length=max_length)


def teacher_from_path(path, class_names=None, max_length=48):
    """The teacher saved at ``path``: a SavedModel folder, or a ``.keras``/``.h5`` file (a tfcompress teacher
    loads as itself; any other tf_keras model on string input is wrapped)."""
    from tfcompress.models.saving import load_model
    from tfcompress.models.text_classifier import TextClassifier

    path = os.fspath(path)
    if os.path.isdir(path):
        if not os.path.exists(os.path.join(path, "saved_model.pb")):
            raise TeacherError(path, "is a folder without saved_model.pb, not a TensorFlow SavedModel")
        return TextTeacher.from_saved_model(path, class_names, max_length=max_length)
    if not path.endswith((".keras", ".h5")):
        raise TeacherError(path, "is not a SavedModel folder, .keras or .h5 file")
    try:
        model = load_model(path) if path.endswith(".keras") else keras.models.load_model(path, compile=False)
    except Exception as error:  # Keras raises many kinds for a file it cannot read
        raise TeacherError(path, f"tf_keras (Keras 2) cannot load it ({_first_line(error)}); save the model as a "
                                 "SavedModel (tf.saved_model.save, or model.export for Keras 3) and give that "
                                 "folder") from None
    if isinstance(model, TextClassifier):
        return model
    return TextTeacher.from_keras(model, class_names, name=path, max_length=max_length)


def ready_teacher(spec, registered=(), class_names=None, max_length=48):
    """The teacher ``spec`` names when it is ready to distil from (never trained here), or ``None`` when it names
    a teacher to train: a registered name or ``module:Class`` of a ``TextClassifier`` subclass.

    Args:
        spec: a registered name, a saved model path, ``module:attribute``, or a teacher object.
        registered: the registered teacher names.
        class_names: the class of each output column (``None``: the data's, in order).
        max_length: words per text the word-deletion maps cover.

    Raises:
        ValueError: ``spec`` is none of these. TeacherError: it names a teacher that cannot be used.
    """
    from tfcompress.models.text_classifier import TextClassifier

    if not isinstance(spec, str):
        return as_teacher(spec, object_name(spec), class_names, max_length)
    if spec in registered:
        return None
    if is_attribute_spec(spec):
        value = import_attribute(spec)
        if isinstance(value, type) and issubclass(value, TextClassifier):
            return None
        return as_teacher(value, spec, class_names, max_length)
    if os.path.exists(spec):
        return teacher_from_path(spec, class_names, max_length)
    raise ValueError(f"unknown teacher {spec!r}: not a registered teacher ({', '.join(sorted(registered))}), an "
                     "existing SavedModel folder or .keras file, nor module:attribute")


def check_teacher_classes(teacher, class_names):
    """Raise ``TeacherError`` unless ``teacher`` scores the data's classes (``class_names``, in the data's order)."""
    class_names = [str(value) for value in class_names]
    if int(teacher.num_classes) != len(class_names):
        raise TeacherError(teacher.name, f"returns {teacher.num_classes} class scores per text, but the data has "
                                         f"{len(class_names)} classes {class_names}")
    own = getattr(teacher, "class_names", None)
    if own is not None and list(own) != class_names:
        raise TeacherError(teacher.name, f"scores the classes {list(own)}, the data has {class_names} (a teacher's "
                                         "columns follow the data's classes in the data's order)")


__all__ = ["OUTPUTS", "PROBE_TEXTS", "TextTeacher", "WholeTextEncoder", "as_teacher", "check_teacher_classes",
           "import_attribute", "is_attribute_spec", "object_name", "ready_teacher", "teacher_from_path"]
