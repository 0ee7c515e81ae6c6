package tfcompress.preprocessing

/**
 * PRADO's projection: `features` values in {-1, 0, +1} per token from 2 hash bits each. Hash word k is
 * FNV-1a-32 over byte k then the token's UTF-8 (k = 0 until ceil(2F / 32)); the bit stream is the words
 * concatenated, least significant bit first; feature i reads bits 2i (low) and 2i+1 (high): 01 -> +1,
 * 10 -> -1, else 0. Row-major `[maxLength, features]`, zero rows after the last token.
 */
class TernaryProjectionEncoder(val features: Int, override val maxLength: Int) : TextEncoder {
    private val tokenizer = WordTokenizer()
    override val inputShape = intArrayOf(maxLength, features)

    override fun encode(text: String): ModelInput {
        val tokens = truncatedTokens(tokenizer, text)
        val values = FloatArray(maxLength * features)
        val words = (2 * features + 31) / 32
        tokens.forEachIndexed { position, token ->
            val bytes = token.toByteArray(Charsets.UTF_8)
            val stream = LongArray(words) { Fnv1a.hash32(bytes, it) }
            for (feature in 0 until features) {
                val bit = 2 * feature
                val pair = ((stream[bit / 32] ushr (bit % 32)) and 3L).toInt()
                values[position * features + feature] = when (pair) { 1 -> 1f; 2 -> -1f; else -> 0f }
            }
        }
        return ModelInput.Floats(values, inputShape, tokens)
    }

    companion object {
        fun fromSpec(preprocessing: Map<*, *>): TernaryProjectionEncoder {
            WordTokenizer.checkSpec(preprocessing.section("tokenizer"))
            requireText(preprocessing, "projection", "ternary, 2 hash bits per feature: 01 -> +1, 10 -> -1, 00 and 11 -> 0")
            val hash = preprocessing.text("hash")
            if (!hash.contains("FNV-1a 32-bit over bytes([k]) + UTF-8(token)") || !hash.contains("least significant bit first")) {
                throw SpecException("ternary projection hash '$hash' is not the one this code implements")
            }
            return TernaryProjectionEncoder(preprocessing.int("features"), preprocessing.int("max_length"))
        }
    }
}
