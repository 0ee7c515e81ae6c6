package tfcompress.preprocessing

import java.util.Locale

/**
 * The spec's tokenizer `tfcompress-word-v1`: lower-case the whole text, then split it into words (maximal
 * runs of letters/digits, optionally joined by single inner apostrophes U+0027) and single characters (every
 * other character that is not whitespace). Characters are Unicode code points, so letters outside the
 * Basic Multilingual Plane are one character, as in Python.
 *
 * Letter or digit: general category L* (Lu, Ll, Lt, Lm, Lo), Nd, Nl or No, which is what Python's
 * `str.isalnum` accepts; `Char.isLetterOrDigit` would leave out Nl and No ('²', 'Ⅻ'). Whitespace: the
 * code points Python's `str.isspace` accepts, listed in the spec; `Char.isWhitespace` differs on U+00A0,
 * U+2007, U+202F and U+0085.
 *
 * Example: `WordTokenizer().tokenize("Don't panic, it's GREAT!")` is
 * `[don't, panic, ",", it's, great, !]`.
 */
class WordTokenizer {
    /** Lower-cases [text] as Python's `str.lower` (full case mapping, no locale: 'İ' -> "i̇", final sigma). */
    fun lowercase(text: String): String = text.toLowerCase(Locale.ROOT)

    fun tokenize(text: String): List<String> {
        val lower = lowercase(text)
        return spans(lower).map { lower.substring(it.first, it.last + 1) }
    }

    /** The UTF-16 index ranges of the tokens in [lowercased] (a text already lower-cased by [lowercase]). */
    fun spans(lowercased: String): List<IntRange> {
        val spans = ArrayList<IntRange>()
        var at = 0
        while (at < lowercased.length) {
            val codePoint = lowercased.codePointAt(at)
            val end = when {
                isLetterOrDigit(codePoint) -> wordEnd(lowercased, at)
                isWhitespace(codePoint) -> -1
                else -> at + Character.charCount(codePoint)
            }
            if (end < 0) {
                at += Character.charCount(codePoint)
            } else {
                spans.add(at until end)
                at = end
            }
        }
        return spans
    }

    private fun wordEnd(text: String, start: Int): Int {
        var end = runEnd(text, start)
        while (end + 1 < text.length && text[end] == APOSTROPHE && isLetterOrDigit(text.codePointAt(end + 1))) {
            end = runEnd(text, end + 1)
        }
        return end
    }

    private fun runEnd(text: String, start: Int): Int {
        var end = start
        while (end < text.length) {
            val codePoint = text.codePointAt(end)
            if (!isLetterOrDigit(codePoint)) break
            end += Character.charCount(codePoint)
        }
        return end
    }

    companion object {
        const val NAME = "tfcompress-word-v1"
        const val APOSTROPHE = '\''

        /** The code points of the spec's `whitespace_code_points` (Python `str.isspace`). */
        val WHITESPACE: Set<Int> = setOf(
            0x9, 0xA, 0xB, 0xC, 0xD, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002,
            0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000)

        private val LETTER_OR_DIGIT_TYPES: Set<Int> = setOf(
            Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
            Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.DECIMAL_DIGIT_NUMBER,
            Character.LETTER_NUMBER, Character.OTHER_NUMBER).map { it.toInt() }.toSet()

        fun isLetterOrDigit(codePoint: Int): Boolean = Character.getType(codePoint) in LETTER_OR_DIGIT_TYPES

        fun isWhitespace(codePoint: Int): Boolean = codePoint in WHITESPACE

        /** Checks that [spec] (the preprocessing's `tokenizer` entry) describes this tokenizer. */
        fun checkSpec(spec: Map<*, *>) {
            if (spec["name"] != NAME) throw SpecException("tokenizer '${spec["name"]}' is not $NAME")
            if (spec["apostrophe"] != "U+0027 only") throw SpecException("tokenizer apostrophe '${spec["apostrophe"]}'")
            val listed = spec["whitespace_code_points"] as? List<*> ?: return  // specs before the list: the same set
            if (listed.map { (it as Number).toInt() }.toSet() != WHITESPACE) {
                throw SpecException("the spec's whitespace code points differ from this tokenizer's")
            }
        }
    }
}
