"""Android-ready export: full-int8 ``.tflite`` with TFLite metadata and the app-side text spec.

An Android app cannot run our tokenizer inside the model: no string op converts to a TFLite builtin
(see ``docs/android.md``). So the app tokenizes and hashes in its own code, following a spec that
travels with the model in three places:

- ``FILE.tflite``: the model; on the full stack (``tflite-support`` installed) it carries TFLite
  metadata written with the ``tflite-support`` metadata writers: model description, input and output
  tensor info, the label file (``TENSOR_AXIS_LABELS`` on the output) and the spec JSON as an
  associated file of the input tensor;
- ``FILE.json``: the same spec as a sidecar JSON (always written; the only copy where
  ``tflite-support`` does not install, e.g. Python 3.12);
- ``FILE.labels.txt``: one class name a line, line i = class id i.

The TFLite Task Library's ``NLClassifier`` layout is not used: it maps words through a vocabulary
file with a delimiter regex, while tfcompress students hash every word (no vocabulary: an unseen word
keeps its own bucket) and keep punctuation marks as tokens. No vocabulary file can reproduce that.
"""
import json
import os
import shutil
import tempfile

from tfcompress.export.tflite import convert_to_int8, op_names, uses_builtin_ops_only, write_bytes_atomic

SPEC_FORMAT = "tfcompress-android-v1"
SPEC_FILE_NAME = "tfcompress_text_spec.json"
LABEL_FILE_NAME = "labels.txt"


def sidecar_paths(path):
    """(spec JSON, labels) paths written beside the ``.tflite`` at ``path``."""
    stem = os.path.splitext(os.fspath(path))[0]
    return stem + ".json", stem + ".labels.txt"


def export_android(model, path, representative_texts, class_names=None, description=None,
                   num_calibration=200):
    """Write ``path`` (full-int8 ``.tflite``, builtin ops only) with metadata, labels and text spec.

    Args:
        model: a ``TextClassifier`` (post-training int8) or a ``QATStudent`` (its learnt ranges).
        path: the ``.tflite`` file to write; ``<stem>.json`` and ``<stem>.labels.txt`` go beside it.
        representative_texts: real texts that calibrate the int8 ranges (e.g. the training split).
        class_names: name of each class id (default ``class_0``, ``class_1``, ...).
        description: one line for the model card / metadata (default: a generated one).
        num_calibration: how many of the texts calibrate the converter.

    Returns:
        dict: ``path``, ``spec_path``, ``labels_path``, ``bytes``, ``ops``, ``builtin_ops_only``,
        ``metadata`` (``"embedded"`` or why not), ``spec`` (the sidecar's content).

    Raises:
        ValueError: no texts, wrong number of class names, or a converted model with non-builtin ops.

    Example:
        >>> info = export_android(student, "student.tflite", data.train.texts, data.class_names)
        >>> load_android_model("student.tflite").predict_texts(["a fine film"])
    """
    texts = list(representative_texts)
    if not texts:
        raise ValueError("export_android needs representative texts to calibrate the int8 ranges")
    class_names = _class_names(class_names, model.num_classes)
    ids = model.encoder.encode(texts[:num_calibration])
    model_bytes = _convert(model, ids, num_calibration)
    spec = android_spec(model, class_names, description)
    metadata_status = "not embedded: tflite-support is not installed (the sidecar JSON carries the spec)"
    if metadata_writers_available():
        model_bytes = embed_metadata(model_bytes, spec)
        metadata_status = "embedded"
    spec_path, labels_path = sidecar_paths(path)
    write_bytes_atomic(model_bytes, path)
    write_bytes_atomic((json.dumps(spec, indent=2) + "\n").encode(), spec_path)
    write_bytes_atomic(("\n".join(class_names) + "\n").encode(), labels_path)
    return {"path": os.fspath(path), "spec_path": spec_path, "labels_path": labels_path, "bytes": len(model_bytes),
            "ops": op_names(model_bytes), "builtin_ops_only": uses_builtin_ops_only(model_bytes),
            "metadata": metadata_status, "spec": spec}


def _convert(model, ids, num_calibration):
    if hasattr(model, "student_config"):  # a QATStudent: export its learnt ranges
        from tfcompress.quantize import export_qat_int8

        return export_qat_int8(model, ids, num_calibration=num_calibration)
    model_bytes = convert_to_int8(model, ids, num_calibration=num_calibration)
    if not uses_builtin_ops_only(model_bytes):
        raise ValueError(f"the converted model uses non-builtin ops: {op_names(model_bytes)}")
    return model_bytes


def _class_names(class_names, num_classes):
    names = [str(name) for name in class_names] if class_names is not None else \
        [f"class_{index}" for index in range(num_classes)]
    if len(names) != num_classes:
        raise ValueError(f"{len(names)} class names for a model with {num_classes} classes")
    if any("\n" in name or not name.strip() for name in names):
        raise ValueError(f"class names must be non-empty single lines: {names}")
    return names


def android_spec(model, class_names, description=None):
    """What the app needs to run the model on raw text: input, output, labels and preprocessing."""
    encoder = model.encoder
    model_name = getattr(model, "registry_name", type(model).__name__)
    return {
        "format": SPEC_FORMAT,
        "model": model_name,
        "description": description or (
            f"tfcompress {model_name} text classifier ({len(class_names)} classes), full-int8, builtin ops only"),
        "input": {"name": encoder.input_name, "dtype": encoder.input_dtype, "shape": [1, *encoder.input_shape],
                  "made_by": "the preprocessing below, applied in app code"},
        "output": {"dtype": "float32", "shape": [1, len(class_names)],
                   "meaning": "class logits; softmax gives probabilities; class id i is line i of the label file"},
        "labels": list(class_names),
        "preprocessing": encoder.spec(),
        "encoder": {"class": type(encoder).__name__, "config": encoder.get_config()},
    }


def metadata_writers_available():
    """True when ``tflite-support``'s metadata writers import (full stack, Python 3.11)."""
    try:
        _metadata_modules()
    except ImportError:
        return False
    return True


def _metadata_modules():
    # Imported from tensorflow_lite_support directly: ``import tflite_support`` also loads the Task
    # Library protos, which need protobuf < 4; the metadata writers themselves work with protobuf 4.
    from tensorflow_lite_support.metadata import metadata_schema_py_generated as schema
    from tensorflow_lite_support.metadata.python import metadata
    from tensorflow_lite_support.metadata.python.metadata_writers import metadata_info, metadata_writer

    return schema, metadata, metadata_info, metadata_writer


def embed_metadata(model_bytes, spec):
    """``model_bytes`` with TFLite metadata: description, tensor info, label file, spec JSON."""
    schema, _, metadata_info, metadata_writer = _metadata_modules()
    folder = tempfile.mkdtemp(prefix="tfcompress_metadata_")
    try:
        spec_file = os.path.join(folder, SPEC_FILE_NAME)
        label_file = os.path.join(folder, LABEL_FILE_NAME)
        with open(spec_file, "w", encoding="utf-8") as handle:
            json.dump(spec, handle, indent=2)
        with open(label_file, "w", encoding="utf-8") as handle:
            handle.write("\n".join(spec["labels"]) + "\n")
        general = metadata_info.GeneralMd(name=f"tfcompress {spec['model']}", version=SPEC_FORMAT,
                                          description=spec["description"], author="tfcompress",
                                          licenses="Apache-2.0")
        inputs = metadata_info.TensorMd(
            name=spec["input"]["name"],
            description=(f"{spec['input']['dtype']} {spec['input']['shape']} made from raw text in app code by the "
                         f"preprocessing in the associated file {SPEC_FILE_NAME} ({spec['preprocessing']['tokenizer']['name']})"),
            associated_files=[metadata_info.AssociatedFileMd(
                spec_file, description="tokenization/hashing spec the app applies to raw text",
                file_type=schema.AssociatedFileType.DESCRIPTIONS)])
        outputs = metadata_info.ClassificationTensorMd(
            name="logits", description=spec["output"]["meaning"],
            label_files=[metadata_info.LabelFileMd(label_file)])  # no tensor_type: its stats would say [0, 1]
        writer = metadata_writer.MetadataWriter.create_from_metadata_info(
            bytearray(model_bytes), general_md=general, input_md=[inputs], output_md=[outputs],
            associated_files=[spec_file, label_file])
        return bytes(writer.populate())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
    _, metadata, _, _ = _metadata_modules()
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
    from tfcompress.robustness.tflite_text_classifier import TFLiteTextClassifier

    info = read_android_metadata(path)
    model = TFLiteTextClassifier(os.fspath(path), encoder_from_spec(info["spec"]), num_threads=num_threads)
    model.class_names = info["labels"]
    return model


def load_exportable(path):
    """The model to export from ``path``: a ``tfcompress run`` folder (its QAT student when it has one,
    else its student), a QAT ``.npz`` or a ``.keras`` student.

    Returns:
        (model, run_metrics): ``run_metrics`` is the run's metrics.json for a run folder, else ``None``.
    """
    from tfcompress.models import load_model
    from tfcompress.quantize import load_qat

    path = os.fspath(path)
    if os.path.isdir(path):
        metrics_path = os.path.join(path, "metrics.json")
        if not os.path.exists(metrics_path):
            raise FileNotFoundError(f"{path} is a folder without metrics.json: not a `tfcompress run` output folder")
        with open(metrics_path, encoding="utf-8") as handle:
            metrics = json.load(handle)
        checkpoints = os.path.join(path, "checkpoints")
        qat, student = os.path.join(checkpoints, "student_qat.npz"), os.path.join(checkpoints, "student.keras")
        if os.path.exists(qat):
            return load_qat(qat), metrics
        if os.path.exists(student):
            return load_model(student), metrics
        raise FileNotFoundError(f"{path} has no trained student yet (no {qat} or {student}): run it to the end")
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model at {path}")
    if path.endswith(".npz"):
        return load_qat(path), None
    if path.endswith(".keras"):
        return load_model(path), None
    raise ValueError(f"MODEL must be a `tfcompress run` folder, a QAT .npz or a .keras student, got {path!r}")
