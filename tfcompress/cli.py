"""The ``tfcompress`` command line: argument parsing only; the work is done by the library.

Parsing imports no TensorFlow (``--help`` is instant): the names it offers come from ``tfcompress.catalog``
and the errors it reports from ``tfcompress.errors``; a command imports the library when it runs.
"""
import argparse
import json
import os
import sys

from tfcompress.catalog import (ATTACK_RECIPES, BASELINE_TEACHER, EXPLAIN_METHODS, PERSONALIZATION_METHODS,
                                PRESET_SECONDS, PRESETS, SKIPPABLE_STAGES, STRATEGIES, STUDENTS, TEACHERS)
from tfcompress.errors import USER_ERRORS

QUIET_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "3"}  # TensorFlow's C++ logging (CUDA probes, oneDNN notices) off


def _minutes(preset):
    return f"about {max(1, round(PRESET_SECONDS[preset] / 60))} min" if preset in PRESET_SECONDS else "not measured"


def preset_help():
    """What each preset trains and how long a run of it takes (measured, docs/performance.md)."""
    return (f"quick: a smoke test of the whole pipeline with a small cnn teacher ({_minutes('quick')}); "
            f"default: the recommended recipe, a fine-tuned MiniLM teacher ({_minutes('default')} from scratch, less "
            "when a rerun reuses the teacher); small: the <= 300 KB size tier, the default recipe with a larger "
            "student (a little longer than default). Times: a cold run on 2 CPU cores, see docs/performance.md. "
            "Default: the --config file's preset, else default")


def build_parser():
    parser = argparse.ArgumentParser(prog="tfcompress", description=(
        "Compress a text classifier into a small, robust, explainable int8 TFLite model. "
        f"Teachers: {', '.join(TEACHERS)}; students: {', '.join(STUDENTS)}; presets: {', '.join(PRESETS)}."))
    parser.add_argument("--verbose", action="store_true", help="also show what TensorFlow, the TFLite converter and "
                                                                "the interpreter print themselves")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="train teacher, distill student, export int8 TFLite, write metrics.json",
                              description="The main job: teacher -> distilled student -> int8 TFLite. "
                                          "Writes OUT/metrics.json, OUT/report.md and OUT/student.tflite.")
    source = run.add_mutually_exclusive_group()
    source.add_argument("--dataset", default="rotten_tomatoes", help="bundled dataset name (default: %(default)s)")
    source.add_argument("--data", metavar="FILE", help="your own CSV/TSV/JSONL file instead of a bundled dataset")
    run.add_argument("--test-data", metavar="FILE", help="separate test file for --data (same columns)")
    run.add_argument("--unlabelled-data", metavar="FILE",
                     help="in-domain texts without labels (its --text-column): the teacher labels them for "
                          "distillation; validation and test still come from the labelled data")
    run.add_argument("--text-column", default="text", help="text column of --data (default: %(default)s)")
    run.add_argument("--label-column", default="label", help="label column of --data (default: %(default)s)")
    run.add_argument("--user-column", help="optional user/client id column of --data")
    run.add_argument("--preset", choices=PRESETS, help=preset_help())
    run.add_argument("--config", metavar="FILE", help="a JSON or TOML configuration file applied over the preset "
                                                      "(`tfcompress config init` writes a commented one)")
    run.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE", dest="changes",
                     help="change one setting, after --config (repeatable; values are JSON: 0.5, true, null, "
                          "[\"wordnet\"]); every key is in docs/configuration.md")
    run.add_argument("--teacher", metavar="TEACHER",
                     help=f"teacher, overriding the preset's: {', '.join(TEACHERS)} (trained here), "
                          f"{BASELINE_TEACHER} (the run's TF-IDF + logistic regression baseline), or your own, used "
                          "as it is: a SavedModel folder, a .keras file, or module:attribute of a function or model "
                          "(docs/teachers.md)")
    run.add_argument("--student", metavar="STUDENT",
                     help=f"student, overriding the preset's: auto (the presets': bag for documents, cnn for shorter "
                          f"texts), {', '.join(STUDENTS)}, or module:Class of your own TextClassifier subclass "
                          "(docs/students.md)")
    run.add_argument("--teacher-epochs", type=int, help="the teacher's epochs (the preset's min_steps does not add more)")
    run.add_argument("--student-epochs", type=int, help="the student's epochs (the preset's min_steps does not add more)")
    run.add_argument("--max-train-examples", type=int, help="train on the first N examples only (smoke runs)")
    run.add_argument("--max-length", type=int, metavar="N",
                     help="tokens per text of both models (the teacher's in its own unit, e.g. MiniLM WordPieces); "
                          "default: fitted on the training texts so 95%% of them are read whole (capped)")
    run.add_argument("--robustness-examples", type=int, help="test sentences the robustness stage attacks "
                                                             "(overrides the preset; 0 skips the stage)")
    run.add_argument("--explanation-examples", type=int, help="test sentences the explanation stage explains "
                                                              "(overrides the preset; 0 skips the stage)")
    run.add_argument("--skip", action="append", default=[], choices=SKIPPABLE_STAGES, metavar="STAGE",
                     help=f"leave out a stage (repeatable): one of {', '.join(SKIPPABLE_STAGES)}")
    run.add_argument("--no-adversarial-texts", action="store_true",
                     help="train without the discrete adversarial texts (they need textattack: the full stack)")
    run.add_argument("--no-worst-case", action="store_true",
                     help="train without the worst-case term over WordNet swaps (it needs nltk's WordNet)")
    run.add_argument("--strategy", default="one_device", choices=STRATEGIES,
                     help="one_device (default), or multi_worker: distil under MultiWorkerMirroredStrategy with the "
                          "workers TF_CONFIG names (run the same command on each, each with its own --out; "
                          "docs/scale_out.md)")
    run.add_argument("--seed", type=int, default=0, help="fixes split, initialization, shuffling (default: 0)")
    run.add_argument("--student-seed", type=int, help="fixes only the student's initialization, transfer set and "
                     "shuffling, keeping the split and the teacher of --seed (default: --seed)")
    run.add_argument("--held-out-users", type=int, metavar="N", help="users of the user column held out of all "
                     "training as personalization clients (default: the preset's; 0: none, the standard split)")
    run.add_argument("--out", default="runs/latest", help="output folder (default: %(default)s)")

    config = commands.add_parser("config", help="show, write or document the run configuration",
                                 description="The run configuration: every setting with its type, range and doc.")
    config_commands = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    for action, text in (("show", "print a preset's resolved configuration, with the docs, as TOML"),
                         ("init", "write a commented TOML configuration file to start from")):
        command = config_commands.add_parser(action, help=text, description=text)
        command.add_argument("--preset", choices=PRESETS, help="(default: the --config file's preset, else default)")
        command.add_argument("--config", metavar="FILE", help="a configuration file applied over the preset")
        command.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE", dest="changes",
                             help="change one setting (repeatable)")
        if action == "init":
            command.add_argument("--out", default="tfcompress.toml", help="the file to write (default: %(default)s)")
            command.add_argument("--force", action="store_true", help="replace the file if it exists")
    config_commands.add_parser("reference", help="print the configuration reference (docs/configuration.md)")

    attack = commands.add_parser("attack", help="attack a .keras or .tflite model with offline textattack recipes",
                                 description="How easily is MODEL fooled? Runs each recipe on a seeded sample of "
                                             "the data's test split; writes OUT/attack_<recipe>.csv and "
                                             "OUT/attack.json. Needs the full stack (textattack).")
    _model_and_data_arguments(attack)
    attack.add_argument("--recipe", action="append", dest="recipes", metavar="NAME",
                        help=f"{', '.join(ATTACK_RECIPES)}; repeat for several (default: all)")
    attack.add_argument("--query-budget", type=int, help="model queries per example (default: unlimited)")
    attack.add_argument("--out", default="attacks", help="output folder (default: %(default)s)")

    explain = commands.add_parser("explain", help="explain a .keras or .tflite model's predictions (shap, IG, "
                                                  "its own contributions)",
                                  description="Why does MODEL decide what it decides? shap (Partition, word "
                                              "masker), for Keras models integrated gradients, and for a "
                                              "self-explaining model its own per-word contributions (the .tflite's "
                                              "second output) on a sample of the test split; writes heatmaps, shap "
                                              "HTML and JSON to OUT, with faithfulness (AOPC).")
    _model_and_data_arguments(explain)
    explain.add_argument("--method", action="append", dest="methods", choices=EXPLAIN_METHODS,
                         help="repeat for several (default: all that apply)")
    explain.add_argument("--out", default="explanations", help="output folder (default: %(default)s)")

    personalize = commands.add_parser(
        "personalize", help="federated rounds + per-client fine-tuning of a student; on-device-training .tflite",
        description="Clients from the data (its user column, or a seeded Dirichlet label skew), TFF FedAvg "
                    "rounds from MODEL, TFF personalization evaluation (per-client accuracy before/after), and "
                    "an on-device-training .tflite. Writes OUT/personalization.json and "
                    "OUT/student_trainable.tflite. The federated parts need the full stack (TFF).")
    personalize.add_argument("model", metavar="MODEL", help="a saved student (.keras)")
    personalize.add_argument("--data", default="rotten_tomatoes", help="bundled dataset name or file (default: "
                                                                       "%(default)s)")
    personalize.add_argument("--split", default="test", choices=["test", "all"],
                             help="which examples become client data: the test split (data a student trained on "
                                  "the train split never saw) or all (default: %(default)s)")
    personalize.add_argument("--text-column", default="text")
    personalize.add_argument("--label-column", default="label")
    personalize.add_argument("--user-column", help="client id column of --data (default: simulate clients)")
    personalize.add_argument("--clients", type=int, default=20, help="simulated clients (default: %(default)s)")
    personalize.add_argument("--alpha", type=float, default=0.3, help="Dirichlet label skew (default: %(default)s)")
    personalize.add_argument("--rounds", type=int, default=5, help="FedAvg rounds (default: %(default)s)")
    personalize.add_argument("--method", default="prior", choices=PERSONALIZATION_METHODS,
                             help="how each client personalizes (default: %(default)s, the personal class prior)")
    personalize.add_argument("--seed", type=int, default=0)
    personalize.add_argument("--out", default="personalization", help="output folder (default: %(default)s)")

    export = commands.add_parser(
        "export", help="Android export: full-int8 .tflite with TFLite metadata, labels and the app-side text spec",
        description="Writes OUT (full-int8, builtin ops only) with TFLite metadata (full stack: tflite-support), "
                    "OUT's .json sidecar (the tokenization/hashing spec the app applies) and .labels.txt. MODEL: a "
                    "`tfcompress run` folder (its QAT student, else its student), a QAT .npz or a .keras student. "
                    "With --card, also measures the file and writes card.json and MODEL_CARD.md beside it.")
    export.add_argument("model", metavar="MODEL", help="a run folder, a QAT .npz or a .keras student")
    export.add_argument("--out", required=True, metavar="FILE.tflite", help="the .tflite to write")
    export.add_argument("--data", help="bundled dataset name or file: calibration texts (train split), class names, "
                                       "card measurements (test split); default: the run's data, else rotten_tomatoes")
    export.add_argument("--text-column", default="text")
    export.add_argument("--label-column", default="label")
    export.add_argument("--description", help="one-line model description for the metadata")
    export.add_argument("--card", action="store_true", help="measure the file and write its model card")
    export.add_argument("--attack-examples", type=int, default=100,
                        help="with --card: test sentences per attack recipe (0: none; default: %(default)s)")
    export.add_argument("--seed", type=int, default=None, help="data split seed (default: the run's, else 0)")

    data = commands.add_parser("data", help="check a data file or show a bundled dataset's splits",
                               description="Validate a CSV/TSV/JSONL file (or a bundled dataset) and print "
                                           "its classes and split sizes as JSON.")
    data.add_argument("source", nargs="?", default="rotten_tomatoes", help="bundled dataset name or file")
    data.add_argument("--text-column", default="text")
    data.add_argument("--label-column", default="label")
    data.add_argument("--user-column")
    data.add_argument("--seed", type=int, default=0)
    return parser


def _model_and_data_arguments(parser):
    parser.add_argument("model", metavar="MODEL", help="a saved .keras model or a .tflite file")
    parser.add_argument("--keras-model", metavar="FILE",
                        help="for a .tflite: the .keras model it was converted from (its text encoder); default: "
                             "the checkpoints/<name>.keras that tfcompress run keeps beside it")
    parser.add_argument("--data", default="rotten_tomatoes", help="bundled dataset name or a CSV/TSV/JSONL file "
                                                                  "(its test split is used; default: %(default)s)")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--num-examples", type=int, default=100, help="sample size (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)


def _dataset(source, args):
    """A bundled dataset by name or a user file (read with the command's column options), split by seed."""
    from tfcompress import datasets

    return datasets.load(source, seed=args.seed, text_column=args.text_column, label_column=args.label_column,
                         user_column=getattr(args, "user_column", None))


def _model_and_test_split(args):
    from tfcompress.pipeline import load_text_model

    return load_text_model(args.model, keras_model=args.keras_model), _dataset(args.data, args).test


def command_attack(args):
    from tfcompress.atomic import write_json_atomic
    from tfcompress.offline import use_nltk_data
    from tfcompress.robustness import RECIPE_NAMES, attack_all

    use_nltk_data()
    model, test = _model_and_test_split(args)
    results = attack_all(model, test.texts, test.labels, recipes=args.recipes or RECIPE_NAMES,
                         num_examples=args.num_examples, seed=args.seed, out_dir=args.out,
                         query_budget=args.query_budget)
    write_json_atomic(results, os.path.join(args.out, "attack.json"))
    print(json.dumps({recipe: {key: result[key] for key in ("clean_accuracy", "accuracy_under_attack",
                                                             "attack_success_rate", "csv")}
                      for recipe, result in results.items()}, indent=2))


def command_explain(args):
    from tfcompress.explain import explain_model
    from tfcompress.atomic import write_json_atomic

    model, test = _model_and_test_split(args)
    result = explain_model(model, test.texts, methods=args.methods, num_examples=args.num_examples, seed=args.seed,
                           out_dir=args.out, include_maps=False, name=os.path.splitext(os.path.basename(args.model))[0])
    write_json_atomic(result, os.path.join(args.out, "explain.json"))
    print(json.dumps({method: {"aopc": values["aopc"], "aopc_random": values["aopc_random"], "files": values["files"]}
                      for method, values in result["methods"].items()}, indent=2))


def command_personalize(args):
    from tfcompress.atomic import write_json_atomic
    from tfcompress.federated import PersonalizationConfig, label_prior, make_clients, personalization_report
    from tfcompress.models import load_model

    data = _dataset(args.data, args)
    splits = [data.test] if args.split == "test" else [data.train, data.validation, data.test]
    clients = make_clients(splits, num_clients=args.clients, alpha=args.alpha, seed=args.seed,
                           by_user=bool(args.user_column), test_fraction=0.35)
    if not os.path.exists(args.model):
        raise FileNotFoundError(f"no model file at {args.model}")
    os.makedirs(args.out, exist_ok=True)
    report = personalization_report(load_model(args.model), clients, {"alpha": args.alpha, "rounds": args.rounds},
                                    os.path.join(args.out, "student_trainable.tflite"), args.seed,
                                    global_prior=label_prior(data.train.labels, data.num_classes),
                                    config=PersonalizationConfig(method=args.method))
    write_json_atomic(report, os.path.join(args.out, "personalization.json"))
    evaluation = report["evaluation"]
    print(json.dumps({"clients": len(clients), "summary": evaluation["summary"] if isinstance(evaluation, dict)
                      else evaluation, "on_device_training": report["on_device_training"]["path"]}, indent=2))


def _changes(texts):
    from tfcompress.config import parse_set

    return dict(parse_set(text) for text in texts)


def command_config(args):
    from tfcompress.config import reference_markdown, starter_file
    from tfcompress.pipeline import PRESETS, RunConfig

    if args.config_command == "reference":
        print(reference_markdown(PRESETS), end="")
        return
    config = RunConfig(preset=args.preset, config_file=args.config, changes=_changes(args.changes))
    if config.preset is None and config.file_preset is None:
        config.preset = "default"  # the configuration commands start from the default preset
    text = starter_file(config.resolve_settings(), preset=config.preset_name)
    if args.config_command == "show":
        print(text, end="")
        return
    from tfcompress.atomic import write_text_atomic

    if os.path.exists(args.out) and not args.force:
        raise FileExistsError(f"file {args.out} exists; pass --force to replace it")
    write_text_atomic(text, args.out)
    print(f"wrote {args.out}: edit it, then `tfcompress run --config {args.out}`")


def command_run(args):
    from tfcompress.pipeline import RunConfig, run

    config = RunConfig(out=args.out, dataset=args.dataset, data=args.data, test_data=args.test_data,
                       unlabelled_data=args.unlabelled_data, text_column=args.text_column,
                       label_column=args.label_column, user_column=args.user_column, preset=args.preset,
                       teacher=args.teacher,
                       student=args.student, teacher_epochs=args.teacher_epochs,
                       student_epochs=args.student_epochs, max_train_examples=args.max_train_examples,
                       max_length=args.max_length,
                       robustness_examples=args.robustness_examples,
                       explanation_examples=args.explanation_examples, skip=tuple(args.skip),
                       adversarial_texts=not args.no_adversarial_texts, worst_case=not args.no_worst_case,
                       strategy=args.strategy, held_out_users=args.held_out_users, seed=args.seed,
                       student_seed=args.student_seed, config_file=args.config, changes=_changes(args.changes))
    metrics = run(config)  # a bad key or value stops it before anything is written
    summary = {key: metrics[key].get("test_accuracy") if isinstance(metrics[key], dict) else metrics[key]
               for key in ("baseline", "teacher", "student", "tflite")}
    tflite = metrics["tflite"] if isinstance(metrics["tflite"], dict) else {}
    print(json.dumps({"out": args.out, "test_accuracy": summary, "tflite": tflite.get("path"),
                      "tflite_bytes": tflite.get("bytes"), "report": os.path.join(args.out, "report.html"),
                      "metrics": os.path.join(args.out, "metrics.json"), "seconds": metrics.get("total_seconds")}))


def command_export(args):
    from tfcompress.export import export_android
    from tfcompress.pipeline import load_exportable

    if not args.out.endswith(".tflite"):
        raise ValueError(f"--out must name a .tflite file, got {args.out!r}")
    model, run_metrics = load_exportable(args.model)
    options = (run_metrics or {}).get("run", {})
    source = args.data or options.get("data") or options.get("dataset") or "rotten_tomatoes"
    if args.seed is None:
        args.seed = options.get("seed", 0)
    data = _dataset(source, args)
    info = export_android(model, args.out, data.train.texts, class_names=data.class_names,
                          description=args.description)
    summary = {key: info[key] for key in ("path", "spec_path", "labels_path", "bytes", "builtin_ops_only", "metadata")}
    if args.card:
        from tfcompress.export.model_card import write_model_card

        command = "tfcompress " + " ".join(sys.argv[1:]) if sys.argv[1:2] == ["export"] else None
        card = write_model_card(args.out, data, source_model=model, run_metrics=run_metrics,
                                attack_examples=args.attack_examples, seed=args.seed, command=command)
        summary["card"] = {key: card["measured"][key] for key in ("test_accuracy", "parity_with_keras", "bytes")}
    print(json.dumps(summary, indent=2))


def command_data(args):
    print(json.dumps(_dataset(args.source, args).summary(), indent=2))


def main(argv=None):
    args = build_parser().parse_args(argv)
    if not args.verbose:
        for name, value in QUIET_ENVIRONMENT.items():
            os.environ.setdefault(name, value)
    try:
        {"run": command_run, "config": command_config, "data": command_data, "attack": command_attack, "export": command_export,
         "explain": command_explain, "personalize": command_personalize}[args.command](args)
    except USER_ERRORS as error:
        print(f"tfcompress: error: {error}", file=sys.stderr)
        return 2
    return 0


def command_line():
    """The ``tfcompress`` program: ``main``, then the process ends without tearing the interpreter down.

    By the end of a command everything it writes is on disk (atomic writes) and the TFF worker is stopped, so
    the exit handlers run, the standard streams are flushed and the process ends with ``main``'s code. Python's
    own teardown (freeing TensorFlow's graphs, torch and the other imported modules one by one) would add 3-7 s
    to every command and change nothing.
    """
    native = None if "--verbose" in sys.argv[1:] else hold_native_output()
    try:
        code = main()
    except BaseException:
        _show_native_output(native)
        raise
    if code not in (0, 2):
        _show_native_output(native)
    _exit_now(code)


def hold_native_output():
    """Keep what native code prints (TensorFlow's C++ logging, the TFLite converter's and interpreter's notices,
    helper processes) off the terminal: file descriptor 2 goes to a temporary file, and ``sys.stderr`` is reopened
    on a copy of the terminal's descriptor, so the command's own progress, warnings and errors still show.

    Returns the temporary file (``_show_native_output`` prints its end when the command fails unexpectedly).
    """
    import tempfile

    sys.stderr.flush()
    terminal = os.dup(2)
    held = tempfile.TemporaryFile()
    os.dup2(held.fileno(), 2)
    sys.stderr = os.fdopen(terminal, "w", buffering=1, encoding=sys.stderr.encoding, errors="backslashreplace")
    return held


def _show_native_output(held, lines=40):
    if held is None:
        return
    held.seek(0)
    tail = held.read().decode("utf-8", "replace").splitlines()[-lines:]
    if tail:
        print("tfcompress: what native code printed last:", *tail, sep="\n", file=sys.stderr)


def _exit_now(code):
    import atexit

    atexit._run_exitfuncs()  # what a normal exit runs first: logging's flush, finalizers, stopping helpers
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code)


if __name__ == "__main__":
    command_line()
