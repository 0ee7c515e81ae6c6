package tfcompress.preprocessing

import java.security.MessageDigest
import java.util.Base64

/**
 * The spec's `known_words`: a Bloom filter of real words that typo recovery leaves alone. A token is a known word
 * when, for every seed j in 0 until [hashes], bit `FNV-1a-32(byte j, then the token's UTF-8) mod bits` is set,
 * bit i being bit i mod 8 (least significant first) of byte i div 8 of [data]. A listed word is always known; an
 * unlisted token is known with the filter's small false-positive rate.
 *
 * Example: `KnownWords.fromSpec(preprocessing.section("known_words")).contains("bar")` is true for a filter of
 * "bar" and "lie".
 */
class KnownWords(val bits: Int, val hashes: Int, private val data: ByteArray) {
    init {
        if (bits <= 0 || hashes <= 0) {
            throw SpecException("known_words needs positive bits and hashes, got $bits and $hashes")
        }
        if (data.size != (bits + 7) / 8) {
            throw SpecException("known_words of $bits bits needs ${(bits + 7) / 8} bytes, got ${data.size}")
        }
    }

    /** Whether [token] is in the filter (always for a listed word). */
    operator fun contains(token: String): Boolean {
        val bytes = token.toByteArray(Charsets.UTF_8)
        for (seed in 0 until hashes) {
            val position = (Fnv1a.hash32(bytes, seed) % bits).toInt()
            if ((data[position / 8].toInt() shr (position % 8)) and 1 == 0) return false
        }
        return true
    }

    companion object {
        /** The filter of a spec's `known_words` section, its rule checked and its bytes against the stated sha256. */
        fun fromSpec(section: Map<*, *>): KnownWords {
            val rule = section.text("rule")
            for (part in listOf("FNV-1a 32-bit", "0x811C9DC5", "0x01000193", "byte j followed by the token's UTF-8",
                    "least significant first")) {
                if (!rule.contains(part)) throw SpecException("known_words rule '$rule' does not say '$part'")
            }
            val bits = section.int("bits")
            val hashes = section.int("hashes")
            val data = try {
                Base64.getDecoder().decode(section.text("data"))
            } catch (error: IllegalArgumentException) {
                throw SpecException("the spec's known_words data is not base64: ${error.message}")
            }
            val digest = MessageDigest.getInstance("SHA-256").digest(data).joinToString("") { "%02x".format(it) }
            if (digest != section["sha256"]) {
                throw SpecException("the spec's known_words data (${data.size} bytes) has sha256 $digest, but the " +
                    "spec states ${section["sha256"]}")
            }
            return KnownWords(bits, hashes, data)
        }
    }
}
