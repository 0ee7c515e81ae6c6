package tfcompress.preprocessing

/**
 * One id per token: `1 + FNV-1a-32(UTF-8 of the token) mod numBuckets`; 0 pads.
 *
 * Example: `HashingEncoder(5000, 48).encode("a fine film")` gives 48 ids, the last 45 zero.
 */
class HashingEncoder(val numBuckets: Int, maxLength: Int) : WordIdEncoder(maxLength) {
    override fun tokenId(token: String): Int =
        (1 + Fnv1a.hash32(token.toByteArray(Charsets.UTF_8)) % numBuckets).toInt()

    companion object {
        fun fromSpec(preprocessing: Map<*, *>): HashingEncoder {
            WordTokenizer.checkSpec(preprocessing.section("tokenizer"))
            Fnv1a.checkSpec(preprocessing["hash"])
            val buckets = preprocessing.int("num_buckets")
            requireText(preprocessing, "id", "1 + hash mod $buckets")
            requireText(preprocessing, "padding", "right-pad with id 0")
            return HashingEncoder(buckets, preprocessing.int("max_length"))
        }
    }
}
