package tfcompress.preprocessing

import java.nio.ByteBuffer
import java.nio.ByteOrder

/**
 * A text's model input, row-major in the spec's `input.shape` without the batch dimension, with the
 * tokens it was made from (position i of the input is token i, up to `max_length`).
 */
sealed class ModelInput(val shape: IntArray, val tokens: List<String>) {
    /** The input as the TFLite interpreter takes it: a direct buffer in native byte order. */
    abstract fun toByteBuffer(): ByteBuffer

    class Ints(val values: IntArray, shape: IntArray, tokens: List<String>) : ModelInput(shape, tokens) {
        override fun toByteBuffer(): ByteBuffer {
            val buffer = ByteBuffer.allocateDirect(4 * values.size).order(ByteOrder.nativeOrder())
            values.forEach { buffer.putInt(it) }
            return buffer.also { it.rewind() }
        }
    }

    class Floats(val values: FloatArray, shape: IntArray, tokens: List<String>) : ModelInput(shape, tokens) {
        override fun toByteBuffer(): ByteBuffer {
            val buffer = ByteBuffer.allocateDirect(4 * values.size).order(ByteOrder.nativeOrder())
            values.forEach { buffer.putFloat(it) }
            return buffer.also { it.rewind() }
        }
    }
}
