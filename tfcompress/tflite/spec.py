"""Reading what ``export_android`` wrote: the text spec and labels (embedded metadata or sidecar JSON),
and running an exported ``.tflite`` from its own spec."""
import json
import os

SPEC_FORMAT = "tfcompress-android-v1"
SPEC_FILE_NAME = "tfcompress_text_spec.json"
LABEL_FILE_NAME = "labels.txt"


def sidecar_paths(path):
    """(spec JSON, labels) paths written beside the ``.tflite`` at ``path``."""
    stem = os.path.splitext(os.fspath(path))[0]
    return stem + ".json", stem + ".labels.txt"


def metadata_writers_available():
    """True when ``tflite-support``'s metadata writers import (full stack, Python 3.11)."""
    try:
        metadata_modules()
    except ImportError:
        return False
    return True


def metadata_modules():
    # Imported from tensorflow_lite_support directly: ``import tflite_support`` also loads the Task
    # Library protos, which need protobuf < 4; the metadata writers themselves work with protobuf 4.
    from tensorflow_lite_support.metadata import metadata_schema_py_generated as schema
    from tensorflow_lite_support.metadata.python import metadata
    from tensorflow_lite_support.metadata.python.metadata_writers import metadata_info, metadata_writer

    return schema, metadata, metadata_info, metadata_writer


def read_android_metadata(path):
    """The metadata of an exported model: from the ``.tflite`` itself when embedded, else the sidecar.

    Returns:
        dict: ``source`` (``"embedded"`` or the sidecar path), ``spec`` (the text spec), ``labels``,
        and with embedded metadata also ``metadata`` (the metadata as JSON) and ``associated_files``.

    Raises:
        FileNotFoundError: no ``.tflite`` at ``path``.
        ValueError: the file carries no tfcompress spec and has no sidecar JSON.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no TFLite model at {path}")
    embedded = _read_embedded(path) if metadata_writers_available() else None
    if embedded is not None:
        return embedded
    spec_path, _ = sidecar_paths(path)
    if not os.path.exists(spec_path):
        raise ValueError(f"{path} carries no tfcompress text spec (no embedded metadata and no {spec_path}); "
                         "export it with `tfcompress export`")
    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    if spec.get("format") != SPEC_FORMAT:
        raise ValueError(f"{spec_path} is not a {SPEC_FORMAT} spec (format {spec.get('format')!r})")
    return {"source": spec_path, "spec": spec, "labels": spec["labels"]}


def _read_embedded(path):
    _, metadata, _, _ = metadata_modules()
    with open(path, "rb") as handle:
        content = handle.read()
    try:
        displayer = metadata.MetadataDisplayer.with_model_buffer(content)
    except ValueError:  # no metadata in the file
        return None
    files = displayer.get_packed_associated_file_list()
    if SPEC_FILE_NAME not in files:
        return None
    spec = json.loads(displayer.get_associated_file_buffer(SPEC_FILE_NAME).decode("utf-8"))
    labels = displayer.get_associated_file_buffer(LABEL_FILE_NAME).decode("utf-8").splitlines()
    return {"source": "embedded", "spec": spec, "labels": labels,
            "metadata": json.loads(displayer.get_metadata_json()), "associated_files": sorted(files)}


def encoder_from_spec(spec):
    """The package's encoder that the spec describes (for running the model from Python)."""
    from tfcompress.text import HashingEncoder, TernaryProjectionEncoder

    classes = {"HashingEncoder": HashingEncoder, "TernaryProjectionEncoder": TernaryProjectionEncoder}
    encoder = spec.get("encoder", {})
    if encoder.get("class") not in classes:
        raise ValueError(f"unknown encoder {encoder.get('class')!r} in the model's spec; known: {sorted(classes)}")
    return classes[encoder["class"]](**encoder["config"])


def load_android_model(path, num_threads=1):
    """An exported ``.tflite`` as a raw-text classifier, from its own metadata (no Keras model needed).

    Example:
        >>> model = load_android_model("saved_models/rotten_tomatoes/student.tflite")
        >>> model.predict_texts(["a fine film"]).shape
        (1, 2)
    """
    from tfcompress.tflite.text_classifier import TFLiteTextClassifier

    info = read_android_metadata(path)
    model = TFLiteTextClassifier(os.fspath(path), encoder_from_spec(info["spec"]), num_threads=num_threads)
    model.class_names = info["labels"]
    return model


def carries_text_spec(tflite_path):
    """True when ``tflite_path`` was written by ``export_android`` (embedded metadata or sidecar JSON)."""
    try:
        read_android_metadata(tflite_path)
    except ValueError:
        return False
    return True
