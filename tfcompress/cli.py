"""The ``tfcompress`` command line: argument parsing only; the work is done by the library."""
import argparse
import json
import sys

from tfcompress.errors import DataError


def build_parser():
    parser = argparse.ArgumentParser(prog="tfcompress", description=(
        "Compress a text classifier into a small, robust, explainable int8 TFLite model."))
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="train teacher, distill student, export int8 TFLite, write metrics.json",
                              description="The main job: teacher -> distilled student -> int8 TFLite. "
                                          "Writes OUT/metrics.json, OUT/report.md and OUT/student.tflite.")
    source = run.add_mutually_exclusive_group()
    source.add_argument("--dataset", default="rotten_tomatoes", help="bundled dataset name (default: %(default)s)")
    source.add_argument("--data", metavar="FILE", help="your own CSV/TSV/JSONL file instead of a bundled dataset")
    run.add_argument("--test-data", metavar="FILE", help="separate test file for --data (same columns)")
    run.add_argument("--text-column", default="text", help="text column of --data (default: %(default)s)")
    run.add_argument("--label-column", default="label", help="label column of --data (default: %(default)s)")
    run.add_argument("--user-column", help="optional user/client id column of --data")
    run.add_argument("--preset", default="quick", choices=["quick", "default"],
                     help="quick: < 3 min on 2 cores; default: < 15 min, best models (default: %(default)s)")
    run.add_argument("--teacher", help="teacher model name (overrides the preset)")
    run.add_argument("--student", help="student model name (overrides the preset)")
    run.add_argument("--teacher-epochs", type=int, help="override the preset's teacher epochs")
    run.add_argument("--student-epochs", type=int, help="override the preset's student epochs")
    run.add_argument("--max-train-examples", type=int, help="train on the first N examples only (smoke runs)")
    run.add_argument("--seed", type=int, default=0, help="fixes split, initialization, shuffling (default: 0)")
    run.add_argument("--out", default="runs/latest", help="output folder (default: %(default)s)")

    data = commands.add_parser("data", help="check a data file or show a bundled dataset's splits",
                               description="Validate a CSV/TSV/JSONL file (or a bundled dataset) and print "
                                           "its classes and split sizes as JSON.")
    data.add_argument("source", nargs="?", default="rotten_tomatoes", help="bundled dataset name or file")
    data.add_argument("--text-column", default="text")
    data.add_argument("--label-column", default="label")
    data.add_argument("--user-column")
    data.add_argument("--seed", type=int, default=0)
    return parser


def command_run(args):
    from tfcompress.pipeline import RunConfig, run

    config = RunConfig(out=args.out, dataset=args.dataset, data=args.data, test_data=args.test_data,
                       text_column=args.text_column, label_column=args.label_column,
                       user_column=args.user_column, preset=args.preset, teacher=args.teacher,
                       student=args.student, teacher_epochs=args.teacher_epochs,
                       student_epochs=args.student_epochs, max_train_examples=args.max_train_examples,
                       seed=args.seed)
    metrics = run(config)
    summary = {key: metrics[key].get("test_accuracy") for key in ("teacher", "student", "tflite")}
    print(json.dumps({"out": args.out, "test_accuracy": summary, "tflite_bytes": metrics["tflite"]["bytes"]}))


def command_data(args):
    from tfcompress import datasets

    data = datasets.load(args.source, seed=args.seed, text_column=args.text_column,
                         label_column=args.label_column, user_column=args.user_column) \
        if args.source not in datasets.available() else datasets.load(args.source, seed=args.seed)
    print(json.dumps(data.summary(), indent=2))


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        {"run": command_run, "data": command_data}[args.command](args)
    except (DataError, FileNotFoundError) as error:
        print(f"tfcompress: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
