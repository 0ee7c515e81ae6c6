"""Seconds of the teacher's occlusion and alone maps computed in chunks of 128 texts vs in one call.

    .venv/bin/python scripts/teacher_maps_chunks.py --teacher benchmarks/results/.main_job.partial/default_cold/checkpoints/teacher.keras

The figures behind ``FORWARD_CHUNK`` in ``tfcompress/distill/teacher_explanations.py`` (bfloat16 copy of the
default run's MiniLM teacher, the first 1,024 training texts, 40 words per text); also the largest difference
between the two ways' maps.
"""
import argparse
import time

import numpy as np


def main():
    from tfcompress.datasets import load
    from tfcompress.distill.teacher_explanations import alone_maps, occlusion_maps
    from tfcompress.distill.teacher_precision import bfloat16_copy
    from tfcompress.models import load_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", required=True, help="a trained MiniLM teacher's .keras file")
    parser.add_argument("--texts", type=int, default=1024)
    args = parser.parse_args()
    copy = bfloat16_copy(load_model(args.teacher))
    texts, words = list(load("rotten_tomatoes", seed=0).train.texts[:args.texts]), 40
    occlusion_maps(copy, texts[:64], words)  # traces the compiled forward pass

    def chunked(maps, size):
        start, out = time.perf_counter(), []
        for first in range(0, len(texts), size):
            out += maps(copy, texts[first:first + size], words)
        return time.perf_counter() - start, out

    for name, maps in (("alone", alone_maps), ("occlusion", occlusion_maps)):
        (small, small_maps), (whole, whole_maps) = chunked(maps, 128), chunked(maps, len(texts))
        difference = max(float(np.abs(a - b).max(initial=0)) for a, b in zip(small_maps, whole_maps))
        print(f"{name}: chunks of 128 {small:.1f} s, one call {whole:.1f} s, largest map difference {difference:.4f}")


if __name__ == "__main__":
    main()
