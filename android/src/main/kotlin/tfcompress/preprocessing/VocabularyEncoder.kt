package tfcompress.preprocessing

import java.io.ByteArrayInputStream
import java.security.MessageDigest
import java.util.Base64
import java.util.zip.GZIPInputStream

/**
 * Closed-vocabulary word ids with typo recovery: id 0 pads, 1 is unknown, the vocabulary word of rank r
 * (0 = most frequent) is r + 2. With [typoRecovery] a token outside the vocabulary becomes the
 * lowest-ranked vocabulary word among its one-edit variants (delete one character, swap two adjacent ones,
 * replace one by a character of [alphabet], insert one of [alphabet] anywhere; characters are code points),
 * else unknown. A token outside the vocabulary that is in [knownWords] (the spec's `known_words`: real words
 * such as "bar", one edit from "bad") is unknown and never recovered; [knownWords] applies only with
 * [typoRecovery].
 *
 * Example: `VocabularyEncoder(listOf("the", "film", "good", "."), 6).encode("The flim is goood.")`
 * gives `[2, 3, 1, 4, 5, 0]`. With a [knownWords] filter listing "bar",
 * `VocabularyEncoder(listOf("the", "bad"), 2, knownWords = known).encode("the bar")` gives `[2, 1]`;
 * without it "bar" is recovered to "bad": `[2, 3]`.
 */
class VocabularyEncoder(
    val vocabulary: List<String>,
    maxLength: Int,
    val typoRecovery: Boolean = true,
    val alphabet: String = ALPHABET,
    val knownWords: KnownWords? = null
) : WordIdEncoder(maxLength) {
    private val ranks: Map<String, Int> = vocabulary.withIndex().associate { it.value to it.index }
    private val alphabetCodePoints: IntArray = codePoints(alphabet)

    override fun tokenId(token: String): Int {
        ranks[token]?.let { return it + 2 }
        if (!typoRecovery || knownWords?.contains(token) == true) return UNKNOWN_ID
        val best = oneEditVariants(token).mapNotNull { ranks[it] }.min()
        return if (best == null) UNKNOWN_ID else best + 2
    }

    /** Every string one deletion, adjacent swap, substitution or insertion away from [token] (itself excluded). */
    fun oneEditVariants(token: String): Set<String> {
        val points = codePoints(token)
        val variants = HashSet<String>()
        for (cut in 0..points.size) {
            if (cut < points.size) {
                variants.add(join(points, 0, cut, null, cut + 1))
                for (char in alphabetCodePoints) variants.add(join(points, 0, cut, char, cut + 1))
            }
            if (cut + 1 < points.size) {
                val swapped = points.copyOf()
                swapped[cut] = points[cut + 1]
                swapped[cut + 1] = points[cut]
                variants.add(String(swapped, 0, swapped.size))
            }
            for (char in alphabetCodePoints) variants.add(join(points, 0, cut, char, cut))
        }
        variants.remove(token)
        return variants
    }

    companion object {
        const val UNKNOWN_ID = 1
        const val ALPHABET = "abcdefghijklmnopqrstuvwxyz'"
        const val ID_RULE = "0 padding; 1 unknown; the vocabulary word of rank r (0-based) is r + 2"

        fun fromSpec(config: Map<*, *>, preprocessing: Map<*, *>): VocabularyEncoder {
            WordTokenizer.checkSpec(preprocessing.section("tokenizer"))
            if (config["vocabulary"] != "preprocessing.vocabulary") {
                throw SpecException("the encoder's vocabulary is not the spec's preprocessing.vocabulary")
            }
            requireText(preprocessing, "id", ID_RULE)
            requireText(preprocessing, "padding", "right-pad with id 0")
            val recovery = preprocessing.section("typo_recovery")
            val enabled = recovery["enabled"] as? Boolean ?: throw SpecException("typo_recovery has no 'enabled'")
            val knownWords = when (val reference = config["known_words"]) {
                null -> null
                "preprocessing.known_words" -> KnownWords.fromSpec(preprocessing.section("known_words"))
                else -> throw SpecException(
                    "the encoder's known_words '$reference' is not the spec's preprocessing.known_words")
            }
            return VocabularyEncoder(unpack(preprocessing.section("vocabulary")), preprocessing.int("max_length"),
                enabled, recovery.text("alphabet"), knownWords)
        }

        /** The spec's word list: base64 of gzip of the UTF-8 words joined by '\n', checked against size and sha256. */
        fun unpack(section: Map<*, *>): List<String> {
            val raw = try {
                GZIPInputStream(ByteArrayInputStream(Base64.getDecoder().decode(section.text("data")))).readBytes()
            } catch (error: Exception) {
                throw SpecException("the spec's vocabulary data does not decode (base64 of gzip): ${error.message}")
            }
            val digest = MessageDigest.getInstance("SHA-256").digest(raw).joinToString("") { "%02x".format(it) }
            val words = String(raw, Charsets.UTF_8).split("\n")
            if (words.size != section.int("size") || digest != section["sha256"]) {
                throw SpecException("the spec's vocabulary decodes to ${words.size} words with sha256 $digest, " +
                    "but the spec states ${section["size"]} words with sha256 ${section["sha256"]}")
            }
            return words
        }

        private fun codePoints(text: String): IntArray {
            val points = ArrayList<Int>()
            var at = 0
            while (at < text.length) {
                val point = text.codePointAt(at)
                points.add(point)
                at += Character.charCount(point)
            }
            return points.toIntArray()
        }

        /** points[from, to) + [middle] + points[resume, end), as a string. */
        private fun join(points: IntArray, from: Int, to: Int, middle: Int?, resume: Int): String {
            val builder = StringBuilder()
            for (index in from until to) builder.appendCodePoint(points[index])
            if (middle != null) builder.appendCodePoint(middle)
            for (index in resume until points.size) builder.appendCodePoint(points[index])
            return builder.toString()
        }
    }
}
