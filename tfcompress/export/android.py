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
import io
import json
import os
import shutil
import struct
import tempfile
import zipfile

from tfcompress.atomic import write_bytes_atomic, write_json_atomic, write_text_atomic
from tfcompress.tflite.convert import convert_to_int8
from tfcompress.tflite.ops import op_names, uses_builtin_ops_only
from tfcompress.tflite.spec import (LABEL_FILE_NAME, SPEC_FILE_NAME, SPEC_FORMAT, metadata_modules,
                                   metadata_writers_available, output_positions, sidecar_paths)

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
    spec = android_spec(model, class_names, description, model_bytes)
    metadata_status = "not embedded: tflite-support is not installed (the sidecar JSON carries the spec)"
    if metadata_writers_available():
        model_bytes = embed_metadata(model_bytes, spec)
        metadata_status = "embedded"
    spec_path, labels_path = sidecar_paths(path)
    write_bytes_atomic(model_bytes, path)
    write_json_atomic(spec, spec_path)
    write_text_atomic("\n".join(class_names) + "\n", labels_path)
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


def android_spec(model, class_names, description=None, model_bytes=None):
    """What the app needs to run the model on raw text: input, outputs, labels and preprocessing.

    With ``model_bytes`` (the converted file) each output entry says its ``index`` among the file's
    outputs; a model that ``explains_itself`` has the ``contributions`` entry.
    """
    encoder = model.encoder
    model_name = getattr(model, "registry_name", type(model).__name__)
    spec = {
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
        "encoder": encoder_entry(encoder),
    }
    if getattr(model, "explains_itself", False):
        spec["contributions"] = {
            "dtype": "float32", "shape": [1, model.max_length, len(class_names)],
            "meaning": ("contributions[0, i, k]: how much the token at input position i adds to logit k; over the "
                        "positions they sum to the logit minus a constant (the classifier bias); zero at padding. "
                        "Highlight the words of the predicted class's largest (support) and most negative ones")}
    if model_bytes is not None:
        logits_index, contributions_index = output_positions(model_bytes)
        spec["output"]["index"] = logits_index
        if "contributions" in spec:
            spec["contributions"]["index"] = contributions_index
    return spec


def encoder_entry(encoder):
    """The spec's ``encoder`` entry: ``{"class", "config"}``, the config as the spec writes it (``spec_config``)."""
    config = encoder.spec_config() if hasattr(encoder, "spec_config") else encoder.get_config()
    return {"class": type(encoder).__name__, "config": config}


def embed_metadata(model_bytes, spec):
    """``model_bytes`` with TFLite metadata: description, tensor info, label file, spec JSON."""
    schema, _, metadata_info, metadata_writer = metadata_modules()
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
        outputs = {spec["output"].get("index", 0): metadata_info.ClassificationTensorMd(
            name="logits", description=spec["output"]["meaning"],
            label_files=[metadata_info.LabelFileMd(label_file)])}  # no tensor_type: its stats would say [0, 1]
        if "contributions" in spec:
            outputs[spec["contributions"]["index"]] = metadata_info.TensorMd(
                name="contributions", description=spec["contributions"]["meaning"])
        writer = metadata_writer.MetadataWriter.create_from_metadata_info(
            bytearray(model_bytes), general_md=general, input_md=[inputs],
            output_md=[outputs[index] for index in sorted(outputs)], associated_files=[spec_file, label_file])
        return without_zip_timestamps(bytes(writer.populate()))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# 1980-01-01 00:00, the earliest time a zip entry can carry, as (DOS time, DOS date).
FIXED_ZIP_TIME = struct.pack("<HH", 0, (1 << 5) | 1)


def without_zip_timestamps(tflite_bytes):
    """``tflite_bytes`` with the time of every associated file in its zip set to ``FIXED_ZIP_TIME``: the metadata
    writer stamps them with the export's time, so the same model would export to different bytes each time. Only
    those fields change (in the local headers and the central directory); a file without associated files comes
    back as it is."""
    try:
        with zipfile.ZipFile(io.BytesIO(tflite_bytes)) as archive:
            infos, central = archive.infolist(), archive.start_dir
    except zipfile.BadZipFile:
        return tflite_bytes
    patched = bytearray(tflite_bytes)
    for info in infos:  # header_offset counts from the start of the file (the model before the zip included)
        if patched[info.header_offset:info.header_offset + 4] != b"PK\x03\x04":
            raise ValueError(f"the .tflite's zip has no local header for {info.filename} at {info.header_offset}")
        patched[info.header_offset + 10:info.header_offset + 14] = FIXED_ZIP_TIME
    for _ in infos:
        if patched[central:central + 4] != b"PK\x01\x02":
            raise ValueError(f"the .tflite's zip has no central directory entry at {central}")
        patched[central + 12:central + 16] = FIXED_ZIP_TIME
        name, extra, comment = struct.unpack("<HHH", patched[central + 28:central + 34])
        central += 46 + name + extra + comment
    return bytes(patched)
