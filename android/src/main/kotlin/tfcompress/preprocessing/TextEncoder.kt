package tfcompress.preprocessing

/** Raw text to the model's input, as the spec's `preprocessing` section describes. */
interface TextEncoder {
    val maxLength: Int

    /** The input shape without the batch dimension (the spec's `input.shape[1:]`). */
    val inputShape: IntArray

    fun encode(text: String): ModelInput
}

/** The first `maxLength` tokens of [text]. */
internal fun TextEncoder.truncatedTokens(tokenizer: WordTokenizer, text: String): List<String> =
    tokenizer.tokenize(text).take(maxLength)

internal fun Map<*, *>.int(key: String): Int =
    (this[key] as? Number)?.toInt() ?: throw SpecException("the spec has no number '$key'")

internal fun Map<*, *>.text(key: String): String =
    this[key] as? String ?: throw SpecException("the spec has no text '$key'")

internal fun Map<*, *>.section(key: String): Map<*, *> =
    this[key] as? Map<*, *> ?: throw SpecException("the spec has no section '$key'")

internal fun requireText(section: Map<*, *>, key: String, expected: String) {
    val found = section[key]
    if (found != expected) throw SpecException("spec '$key' is '$found'; this code implements '$expected'")
}
