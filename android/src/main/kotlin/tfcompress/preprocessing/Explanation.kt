package tfcompress.preprocessing

import kotlin.math.exp

/** A token of the input and how much it adds to the predicted class's logit. */
data class WordContribution(val position: Int, val word: String, val value: Float)

/**
 * What an app shows for one prediction, read from the model's two outputs: the class, its probability, and
 * each input word's contribution to that class (the `.tflite`'s second output, `contributions[0, i, k]`).
 *
 * Example:
 * ```
 * val input = spec.encoder.encode(text)
 * interpreter.runForMultipleInputsOutputs(arrayOf(input.toByteBuffer()), outputs)   // Android's LiteRT
 * val explanation = Explanation.of(spec, input, logits[0], contributions[0].flatten())
 * explanation.supporting(3)   // the words to highlight in the class's colour
 * ```
 */
class Explanation(val predictedClass: Int, val label: String, val probabilities: FloatArray,
                  val words: List<WordContribution>) {
    /** Up to [count] words with the largest positive contributions, largest first (ties: earlier word first). */
    fun supporting(count: Int): List<WordContribution> =
        words.filter { it.value > 0f }.sortedByDescending { it.value }.take(count)

    /** Up to [count] words with the most negative contributions, most negative first. */
    fun opposing(count: Int): List<WordContribution> =
        words.filter { it.value < 0f }.sortedBy { it.value }.take(count)

    companion object {
        /**
         * @param logits the first output, one value per class.
         * @param contributions the second output without its batch dimension, row-major `[maxLength, classes]`.
         */
        fun of(spec: ModelSpec, input: ModelInput, logits: FloatArray, contributions: FloatArray): Explanation {
            val classes = spec.labels.size
            if (logits.size != classes) throw IllegalArgumentException("${logits.size} logits for $classes classes")
            if (contributions.size != spec.encoder.maxLength * classes) {
                throw IllegalArgumentException("contributions hold ${contributions.size} values, " +
                    "not maxLength x classes = ${spec.encoder.maxLength * classes}")
            }
            val predicted = logits.indices.maxBy { logits[it] } ?: 0
            val words = input.tokens.mapIndexed { position, word ->
                WordContribution(position, word, contributions[position * classes + predicted])
            }
            return Explanation(predicted, spec.labels[predicted], softmax(logits), words)
        }

        fun softmax(logits: FloatArray): FloatArray {
            val top = logits.max() ?: 0f
            val powers = logits.map { exp((it - top).toDouble()) }
            val total = powers.sum()
            return FloatArray(logits.size) { (powers[it] / total).toFloat() }
        }
    }
}
