package tfcompress.preprocessing

/**
 * `numHashes` ids per token: for seed j, `1 + FNV-1a-32(byte j, then the token's UTF-8) mod numBuckets`;
 * laid out position-major (`ids[position * numHashes + j]`); padding positions are all 0.
 *
 * Example: `MultiHashEncoder(4096, 2, 48).encode("a fine film").values.size` is 96.
 */
class MultiHashEncoder(val numBuckets: Int, val numHashes: Int, override val maxLength: Int) : TextEncoder {
    private val tokenizer = WordTokenizer()
    override val inputShape = intArrayOf(maxLength, numHashes)

    override fun encode(text: String): ModelInput {
        val tokens = truncatedTokens(tokenizer, text)
        val ids = IntArray(maxLength * numHashes)
        tokens.forEachIndexed { position, token ->
            val bytes = token.toByteArray(Charsets.UTF_8)
            for (seed in 0 until numHashes) {
                ids[position * numHashes + seed] = (1 + Fnv1a.hash32(bytes, seed) % numBuckets).toInt()
            }
        }
        return ModelInput.Ints(ids, inputShape, tokens)
    }

    companion object {
        fun fromSpec(preprocessing: Map<*, *>): MultiHashEncoder {
            WordTokenizer.checkSpec(preprocessing.section("tokenizer"))
            Fnv1a.checkSpec(preprocessing["hash"])
            val buckets = preprocessing.int("num_buckets")
            val hashes = preprocessing.int("num_hashes")
            if (!preprocessing.text("hash").contains("one seed byte j followed by the token's UTF-8 bytes")) {
                throw SpecException("multi-hash spec: the hash is not over one seed byte and the token's bytes")
            }
            val seeds = (preprocessing["seeds"] as? List<*>)?.map { (it as Number).toInt() }
            if (seeds != (0 until hashes).toList()) throw SpecException("multi-hash seeds $seeds are not 0..${hashes - 1}")
            requireText(preprocessing, "id", "for each seed j: 1 + hash_j mod $buckets")
            requireText(preprocessing, "padding", "right-pad positions with all ids 0")
            return MultiHashEncoder(buckets, hashes, preprocessing.int("max_length"))
        }
    }
}
