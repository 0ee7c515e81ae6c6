package tfcompress.preprocessing

/** FNV-1a 32-bit (offset 0x811C9DC5, prime 0x01000193), the hash of the spec; values are unsigned, in a Long. */
object Fnv1a {
    const val OFFSET = 0x811C9DC5L
    const val PRIME = 0x01000193L
    private const val MASK = 0xFFFFFFFFL

    /** The hash of [bytes], preceded by the single byte [seed] when it is given (the multi-hash seeds). */
    fun hash32(bytes: ByteArray, seed: Int? = null): Long {
        var value = OFFSET
        if (seed != null) value = step(value, seed and 0xFF)
        for (byte in bytes) value = step(value, byte.toInt() and 0xFF)
        return value
    }

    private fun step(value: Long, byte: Int): Long = ((value xor byte.toLong()) * PRIME) and MASK

    /** Checks that a spec's `hash` text names this hash. */
    fun checkSpec(description: Any?) {
        val text = description as? String ?: throw SpecException("the preprocessing has no 'hash' text")
        if (!text.startsWith("FNV-1a 32-bit") && !text.contains("FNV-1a 32-bit")) {
            throw SpecException("hash '$text' is not FNV-1a 32-bit")
        }
        if (!text.contains("0x811C9DC5") || !text.contains("0x01000193")) {
            throw SpecException("hash '$text' does not use the FNV-1a offset 0x811C9DC5 and prime 0x01000193")
        }
    }
}
