"""Reading what ``export_android`` wrote: the text spec and labels (embedded metadata or sidecar JSON),
and running an exported ``.tflite`` from its own spec."""
import json
import os
import struct

from tfcompress.errors import ModelFileError
from tfcompress.tflite.classifier import check_tflite_file

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
        ValueError: the file carries no tfcompress spec and has no sidecar JSON, or the sidecar is not
            valid JSON, not a tfcompress spec or has no labels.

    Example:
        >>> read_android_metadata("saved_models/rotten_tomatoes/student.tflite")["labels"]
        ['fresh', 'rotten']
    """
    path = os.fspath(path)
    check_tflite_file(path)
    embedded = _read_embedded(path) if metadata_writers_available() else None
    if embedded is not None:
        return embedded
    return _read_sidecar(path)


def _read_sidecar(path):
    spec_path, _ = sidecar_paths(path)
    if not os.path.exists(spec_path):
        raise ValueError(f"{path} carries no tfcompress text spec (no embedded metadata and no {spec_path}); "
                         "export it with `tfcompress export`")
    with open(spec_path, "rb") as handle:
        try:
            spec = json.loads(handle.read().decode("utf-8"))
        except ValueError as error:
            raise ModelFileError(spec_path, f"not valid JSON ({error}); re-export the model") from None
    if not isinstance(spec, dict) or spec.get("format") != SPEC_FORMAT:
        found = spec.get("format") if isinstance(spec, dict) else type(spec).__name__
        raise ModelFileError(spec_path, f"not a {SPEC_FORMAT} spec (format {found!r})")
    if not isinstance(spec.get("labels"), list):
        raise ModelFileError(spec_path, "has no 'labels' list (the class names); re-export the model")
    return {"source": spec_path, "spec": spec, "labels": spec["labels"]}


def _read_embedded(path):
    _, metadata, _, _ = metadata_modules()
    with open(path, "rb") as handle:
        content = handle.read()
    try:
        displayer = metadata.MetadataDisplayer.with_model_buffer(content)
    except ValueError:  # no metadata in the file
        return None
    try:
        files = displayer.get_packed_associated_file_list()
        if SPEC_FILE_NAME not in files:
            return None
        spec = json.loads(displayer.get_associated_file_buffer(SPEC_FILE_NAME).decode("utf-8"))
        labels = displayer.get_associated_file_buffer(LABEL_FILE_NAME).decode("utf-8").splitlines()
    except (ValueError, KeyError, IndexError, struct.error, UnicodeDecodeError) as error:
        raise ModelFileError(path, f"its embedded metadata is damaged ({type(error).__name__}: {error}); export it "
                                   "again") from None
    return {"source": "embedded", "spec": spec, "labels": labels,
            "metadata": json.loads(displayer.get_metadata_json()), "associated_files": sorted(files)}


# What an app-side spec must state exactly as the encoder built from its config states it, beyond the
# config's own keys (num_buckets, num_hashes, max_length, features): the rule strings an app implements.
_RULE_KEYS = {
    "HashingEncoder": ("hash", "id", "dtype"),
    "MultiHashEncoder": ("seeds", "hash", "id", "layout", "dtype"),
    "TernaryProjectionEncoder": ("hash", "projection", "dtype"),
    "VocabularyEncoder": ("id", "num_buckets", "dtype"),
}


def encoder_from_spec(spec, source="the text spec"):
    """The package's encoder that the spec describes, after checking that the spec agrees with itself.

    The ``encoder`` entry (``{"class", "config"}``) builds the encoder; its ``spec()`` must then state
    what ``preprocessing`` states, the rule an app implements (``num_buckets``, ``num_hashes``,
    ``seeds``, ``max_length``, ``features``, the hash and id rules, the layout, the tokenizer's name),
    and its input shape and dtype must be those of the spec's ``input``. A spec whose parts disagree
    would make Python and the app feed the model different ids, so it is refused.

    Args:
        spec: the text spec (``read_android_metadata(path)["spec"]``).
        source: where the spec was read from, named in errors (the sidecar path, or the ``.tflite``).

    Returns:
        A ``HashingEncoder``, ``MultiHashEncoder`` or ``TernaryProjectionEncoder``.

    Raises:
        ValueError: an unknown encoder class, a config that builds no encoder, or a spec whose
            ``encoder``, ``preprocessing`` and ``input`` disagree (all the disagreements in one message).

    Example:
        >>> info = read_android_metadata("saved_models/rotten_tomatoes/student.tflite")
        >>> encoder_from_spec(info["spec"], source=info["source"]).get_config()
        {'num_buckets': 5000, 'max_length': 48}
    """
    if not isinstance(spec, dict):
        raise ValueError(f"{source}: a text spec is a JSON object, got {type(spec).__name__}")
    encoder = _build_encoder(spec.get("encoder"), source, spec.get("preprocessing"))
    problems = _preprocessing_problems(spec.get("preprocessing"), encoder) + _input_problems(spec.get("input"),
                                                                                             encoder)
    if problems:
        described = f"{type(encoder).__name__}({_call_arguments(encoder.get_config())})"
        raise ValueError(f"{source}: bad text spec for its encoder entry {described}: " + "; ".join(problems)
                         + ". Re-export the model instead of editing its spec")
    return encoder


def _build_encoder(entry, source, preprocessing):
    from tfcompress.text import HashingEncoder, MultiHashEncoder, TernaryProjectionEncoder, VocabularyEncoder
    from tfcompress.text.known_words import KnownWords
    from tfcompress.text.vocabulary_encoder import KNOWN_WORDS_REFERENCE, VOCABULARY_REFERENCE, vocabulary_from_spec

    classes = {cls.__name__: cls for cls in (HashingEncoder, MultiHashEncoder, TernaryProjectionEncoder,
                                             VocabularyEncoder)}
    entry = entry if isinstance(entry, dict) else {}
    if entry.get("class") not in classes:
        raise ValueError(f"{source}: unknown encoder {entry.get('class')!r} in the model's spec; "
                         f"known: {sorted(classes)}")
    config = entry.get("config")
    if isinstance(config, dict) and config.get("vocabulary") == VOCABULARY_REFERENCE:
        try:
            config = {**config, "vocabulary": vocabulary_from_spec((preprocessing or {}).get("vocabulary"))}
            if config.get("known_words") == KNOWN_WORDS_REFERENCE:
                config["known_words"] = KnownWords.from_spec((preprocessing or {}).get("known_words"))
        except ValueError as error:
            raise ValueError(f"{source}: {error}") from None
    try:
        return classes[entry["class"]](**config)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{source}: the encoder config {config!r} does not build a {entry['class']}: {error}") \
            from None


def _preprocessing_problems(preprocessing, encoder):
    if not isinstance(preprocessing, dict):
        return ["it has no 'preprocessing' section (the rule the app implements)"]
    expected = encoder.spec()
    problems = []
    for key in (*encoder.get_config(), *_RULE_KEYS[type(encoder).__name__]):
        if key not in preprocessing:
            problems.append(f"preprocessing has no {key!r} (expected {expected[key]!r})")
        elif preprocessing[key] != expected[key]:
            problems.append(f"preprocessing {key!r} is {preprocessing[key]!r}, the encoder's is {expected[key]!r}")
    tokenizer = preprocessing.get("tokenizer")
    name = tokenizer.get("name") if isinstance(tokenizer, dict) else None
    if name != expected["tokenizer"]["name"]:
        problems.append(f"preprocessing tokenizer is {name!r}, the encoder's is {expected['tokenizer']['name']!r}")
    return problems


def _input_problems(model_input, encoder):
    if not isinstance(model_input, dict):
        return ["it has no 'input' section (the model input's shape and dtype)"]
    problems = []
    shape = model_input.get("shape")
    if not isinstance(shape, list) or shape[1:] != list(encoder.input_shape):
        problems.append(f"input shape is {shape!r}, the encoder makes [1, {_call_arguments(encoder.input_shape)}]")
    if model_input.get("dtype") != encoder.input_dtype:
        problems.append(f"input dtype is {model_input.get('dtype')!r}, the encoder makes {encoder.input_dtype!r}")
    return problems


def _call_arguments(values):
    if isinstance(values, dict):
        return ", ".join(f"{key}={value!r}" for key, value in values.items())
    return ", ".join(str(value) for value in values)


def check_model_matches_spec(model, spec, source="the text spec"):
    """Raise unless the ``.tflite`` is the model the spec describes: input, output and embedding table.

    Read from the flatbuffer (what the interpreter builds its tensors from): the input tensor's shape
    and dtype must be the spec's ``input``; the output's last dimension the number of labels; and for
    hashed word ids (``num_buckets`` in ``preprocessing``) the table that the embedding lookup
    (``GATHER`` on the input ids) reads must have ``num_buckets + 1`` rows. A spec paired with the
    wrong file would otherwise give wrong predictions without any error.

    Args:
        model: path to the ``.tflite`` file, or its bytes.
        spec: its text spec, already checked by ``encoder_from_spec``.
        source: where the spec was read from, named in errors.

    Raises:
        ValueError: every disagreement between the file and the spec, in one message.

    Example:
        >>> info = read_android_metadata("student.tflite")
        >>> check_model_matches_spec("student.tflite", info["spec"], source=info["source"])
    """
    content, name = _model_content(model)
    facts = _model_facts(content)
    problems = _tensor_problems(facts, spec) + _table_problems(facts, spec.get("preprocessing") or {})
    if problems:
        raise ValueError(f"{name} does not match its text spec ({source}): " + "; ".join(problems)
                         + ". Pair the file with the spec it was exported with")


def _model_content(model):
    if isinstance(model, (bytes, bytearray)):
        return bytes(model), "<tflite bytes>"
    with open(model, "rb") as handle:
        return handle.read(), os.fspath(model)


def _model_facts(content):
    """Input/output shapes and dtypes and the rows of each table looked up by the input ids."""
    from tensorflow.lite.python import schema_py_generated as schema

    flat = schema.Model.GetRootAsModel(content, 0)
    graph = flat.Subgraphs(0)
    dtypes = {value: name.lower() for name, value in vars(schema.TensorType).items() if not name.startswith("_")}
    inputs, outputs = graph.InputsAsNumpy().tolist(), graph.OutputsAsNumpy().tolist()
    tensor = graph.Tensors
    shapes = [tensor(index).ShapeAsNumpy().tolist() for index in outputs]
    ranked = {rank: [position for position, shape in enumerate(shapes) if len(shape) == rank] for rank in (2, 3)}
    return {"num_inputs": len(inputs),
            "input_shape": tensor(inputs[0]).ShapeAsNumpy().tolist(),
            "input_dtype": dtypes.get(tensor(inputs[0]).Type(), "unknown"),
            "output_shapes": shapes,
            "output_shape": shapes[ranked[2][0]] if ranked[2] else shapes[0],
            "logits_index": ranked[2][0] if ranked[2] else 0,
            "contributions_index": ranked[3][0] if ranked[3] else None,
            "table_rows": _lookup_table_rows(flat, graph, schema, inputs[0])}


def output_positions(model):
    """Where the logits and the contributions (``None`` when absent) are among the ``.tflite``'s outputs."""
    facts = _model_facts(_model_content(model)[0])
    return facts["logits_index"], facts["contributions_index"]


def _lookup_table_rows(flat, graph, schema, input_index):
    # GATHER(params, indices) and EMBEDDING_LOOKUP(ids, params): (params position, ids position).
    lookups = {schema.BuiltinOperator.GATHER: (0, 1), schema.BuiltinOperator.EMBEDDING_LOOKUP: (1, 0)}
    rows = []
    for index in range(graph.OperatorsLength()):
        operator = graph.Operators(index)
        code = flat.OperatorCodes(operator.OpcodeIndex())
        positions = lookups.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()))
        if positions and operator.Inputs(positions[1]) == input_index:
            shape = graph.Tensors(operator.Inputs(positions[0])).ShapeAsNumpy()
            rows.append(int(shape[0]) if len(shape) else None)
    return rows


def _tensor_problems(facts, spec):
    problems = []
    if facts["num_inputs"] != 1:
        problems.append(f"the file has {facts['num_inputs']} inputs, the spec describes one")
    model_input = spec.get("input") or {}
    shape, dtype = list(model_input.get("shape") or []), model_input.get("dtype")
    if facts["input_shape"][1:] != shape[1:] or facts["input_dtype"] != dtype:
        problems.append(f"the file's input tensor is {facts['input_shape']} {facts['input_dtype']}, the spec's input "
                        f"is {shape} {dtype}")
    labels = spec.get("labels") or []
    if facts["output_shape"][-1:] != [len(labels)]:
        problems.append(f"the file's output tensor is {facts['output_shape']}, the spec has {len(labels)} labels")
    described = 1 + ("contributions" in spec)
    if len(facts["output_shapes"]) != described:
        problems.append(f"the file has {len(facts['output_shapes'])} outputs {facts['output_shapes']}, the spec "
                        f"describes {described}")
    elif "contributions" in spec:
        wanted = list(spec["contributions"].get("shape") or [])
        index = facts["contributions_index"]
        if index is None or facts["output_shapes"][index][1:] != wanted[1:]:
            problems.append(f"the file's outputs are {facts['output_shapes']}, the spec's contributions are {wanted}")
    return problems


def _table_problems(facts, preprocessing):
    if "num_buckets" not in preprocessing:  # not hashed word ids (e.g. ternary projections): no table
        return []
    wanted = preprocessing["num_buckets"] + 1
    if not facts["table_rows"]:
        return ["no embedding lookup (GATHER) reads the input ids, so its table cannot be checked against "
                f"num_buckets {preprocessing['num_buckets']}"]
    wrong = [rows for rows in facts["table_rows"] if rows != wanted]
    if wrong:
        return [f"the embedding table has {wrong[0]} rows, but num_buckets {preprocessing['num_buckets']} needs "
                f"{wanted} (ids 1..{preprocessing['num_buckets']} and padding 0)"]
    return []


def load_android_model(path, num_threads=1):
    """An exported ``.tflite`` as a raw-text classifier, from its own metadata (no Keras model needed).

    The spec is checked against itself (``encoder_from_spec``) and against the file
    (``check_model_matches_spec``) before anything runs: a bad or mismatched spec is refused, never
    used to make wrong predictions.

    Args:
        path: the ``.tflite`` that ``export_android`` wrote (its spec embedded or in the sidecar JSON).
        num_threads: interpreter threads.

    Returns:
        A ``TFLiteTextClassifier`` with ``class_names`` from the label file.

    Raises:
        FileNotFoundError: no ``.tflite`` at ``path``.
        ValueError: no spec, or a spec that disagrees with itself or with the file (one message that
            names the file and every disagreement).

    Example:
        >>> model = load_android_model("saved_models/rotten_tomatoes/student.tflite")
        >>> model.predict_texts(["a fine film"]).shape
        (1, 2)
    """
    from tfcompress.tflite.text_classifier import TFLiteTextClassifier

    path = os.fspath(path)
    info = read_android_metadata(path)
    source = f"{path} (embedded {SPEC_FILE_NAME})" if info["source"] == "embedded" else info["source"]
    spec = {**info["spec"], "labels": info["labels"]}
    encoder = encoder_from_spec(spec, source=source)
    check_model_matches_spec(path, spec, source=source)
    model = TFLiteTextClassifier(path, encoder, num_threads=num_threads)
    model.class_names = info["labels"]
    return model


def carries_text_spec(tflite_path):
    """True when ``tflite_path`` was written by ``export_android`` (embedded metadata or sidecar JSON)."""
    try:
        read_android_metadata(tflite_path)
    except ModelFileError:
        raise
    except ValueError:
        return False
    return True
