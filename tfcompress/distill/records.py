"""Distillation data as TFRecord shards, streamed by tf.data instead of held in memory."""
import os

import numpy as np

from tfcompress.atomic import commit_atomic
from tfcompress.backend import tf

_LABEL = "label"


def write_distillation_records(dataset, folder, examples_per_shard=10000):
    """Write an (unbatched or batched) ``distillation_dataset`` to ``folder/part-*.tfrecord``.

    Every feature is stored as a serialized tensor, so any feature set (cached teacher logits,
    explanation maps) round-trips. Shards are written to a temporary name and renamed when complete.

    Args:
        dataset: a ``tf.data.Dataset`` of ``(features dict, label)`` (e.g. ``distillation_dataset``).
        folder: output folder.
        examples_per_shard: examples per ``.tfrecord`` file.

    Returns:
        The shard paths.

    Example:
        >>> write_distillation_records(distillation_dataset(train, student, teacher, teacher_logits=logits), "records")
        >>> data = distillation_records_dataset("records", batch_size=64, shuffle=True)
    """
    os.makedirs(folder, exist_ok=True)
    paths, writer, count = [], None, 0
    for features, labels in dataset.unbatch() if _is_batched(dataset) else dataset:
        if writer is None or count == examples_per_shard:
            writer = _next_shard(writer, folder, paths)
            count = 0
        example = {name: _bytes(tf.io.serialize_tensor(value)) for name, value in features.items()}
        example[_LABEL] = _bytes(tf.io.serialize_tensor(labels))
        writer.write(tf.train.Example(features=tf.train.Features(feature=example)).SerializeToString())
        count += 1
    _next_shard(writer, folder, paths, last=True)
    return paths


def distillation_records_dataset(folder, batch_size=64, shuffle=False, seed=0, buffer_size=10000):
    """Stream ``write_distillation_records`` shards as batches for ``Distiller.fit``.

    The feature names, dtypes and shapes are read from the first record; the shards are then read
    lazily (interleaved, shuffled within ``buffer_size`` when ``shuffle``), so the dataset never
    sits in Python memory.
    """
    paths = sorted(tf.io.gfile.glob(os.path.join(folder, "part-*.tfrecord")))
    if not paths:
        raise FileNotFoundError(f"no distillation records (part-*.tfrecord) in {folder}")
    spec = _record_spec(paths[0])
    description = {name: tf.io.FixedLenFeature([], tf.string) for name in spec}

    def parse(record):
        parsed = tf.io.parse_single_example(record, description)
        values = {name: tf.ensure_shape(tf.io.parse_tensor(parsed[name], dtype), shape)
                  for name, (dtype, shape) in spec.items()}
        label = values.pop(_LABEL)
        return values, label

    files = tf.data.Dataset.from_tensor_slices(paths)
    if shuffle:
        files = files.shuffle(len(paths), seed=seed, reshuffle_each_iteration=True)
    # Without shuffling, shards are read one after the other: records come back in written order.
    dataset = files.interleave(tf.data.TFRecordDataset, cycle_length=min(4, len(paths)) if shuffle else 1,
                               num_parallel_calls=tf.data.AUTOTUNE, deterministic=not shuffle)
    if shuffle:
        dataset = dataset.shuffle(buffer_size, seed=seed, reshuffle_each_iteration=True)
    return dataset.map(parse, num_parallel_calls=tf.data.AUTOTUNE).batch(batch_size).prefetch(tf.data.AUTOTUNE)


def _is_batched(dataset):
    return len(tf.nest.flatten(dataset.element_spec)[-1].shape) >= 1 and \
        dataset.element_spec[1].shape.rank == 1


def _bytes(tensor):
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[tensor.numpy()]))


def _next_shard(writer, folder, paths, last=False):
    if writer is not None:
        writer.close()
        commit_atomic(paths[-1] + ".partial", paths[-1])
    if last:
        return None
    paths.append(os.path.join(folder, f"part-{len(paths):05d}.tfrecord"))
    return tf.io.TFRecordWriter(paths[-1] + ".partial")


def _record_spec(path):
    record = next(iter(tf.data.TFRecordDataset(path)))
    example = tf.train.Example.FromString(record.numpy())
    spec = {}
    for name, feature in example.features.feature.items():
        proto = tf.make_tensor_proto(0)
        proto.ParseFromString(feature.bytes_list.value[0])
        value = tf.make_ndarray(proto)
        spec[name] = (tf.as_dtype(value.dtype), tuple(np.shape(value)))
    return spec
