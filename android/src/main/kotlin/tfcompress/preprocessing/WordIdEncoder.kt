package tfcompress.preprocessing

/** An encoder that gives each token one int32 id (`tokenId`), right-padded with 0 to `maxLength`. */
abstract class WordIdEncoder(final override val maxLength: Int) : TextEncoder {
    private val tokenizer = WordTokenizer()
    final override val inputShape = intArrayOf(maxLength)

    abstract fun tokenId(token: String): Int

    override fun encode(text: String): ModelInput {
        val tokens = truncatedTokens(tokenizer, text)
        val ids = IntArray(maxLength)
        tokens.forEachIndexed { position, token -> ids[position] = tokenId(token) }
        return ModelInput.Ints(ids, inputShape, tokens)
    }
}
