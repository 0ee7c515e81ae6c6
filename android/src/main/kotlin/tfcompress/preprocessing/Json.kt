package tfcompress.preprocessing

/**
 * A small JSON reader (RFC 8259) for the model's spec and the golden test files, so the library needs no
 * dependency: objects become `Map<String, Any?>`, arrays `List<Any?>`, numbers `Double`, and strings,
 * booleans and null their Kotlin values.
 *
 * Example: `val spec = Json.parse(File("student.json").readText()) as Map<*, *>`
 */
object Json {
    fun parse(text: String): Any? {
        val reader = Reader(text)
        val value = reader.value()
        reader.skipSpace()
        if (!reader.atEnd()) throw reader.error("unexpected text after the JSON value")
        return value
    }

    private class Reader(private val text: String) {
        private var at = 0

        fun atEnd() = at >= text.length

        fun error(message: String) = SpecException("JSON at character $at: $message")

        fun skipSpace() {
            while (at < text.length && text[at] in " \t\n\r") at++
        }

        fun value(): Any? {
            skipSpace()
            if (atEnd()) throw error("unexpected end")
            return when (text[at]) {
                '{' -> obj()
                '[' -> array()
                '"' -> string()
                't' -> literal("true", true)
                'f' -> literal("false", false)
                'n' -> literal("null", null)
                else -> number()
            }
        }

        private fun literal(word: String, result: Any?): Any? {
            if (!text.startsWith(word, at)) throw error("expected $word")
            at += word.length
            return result
        }

        private fun obj(): Map<String, Any?> {
            val result = LinkedHashMap<String, Any?>()
            at++
            skipSpace()
            if (text.getOrNull(at) == '}') return result.also { at++ }
            while (true) {
                skipSpace()
                if (text.getOrNull(at) != '"') throw error("expected a key")
                val key = string()
                skipSpace()
                if (text.getOrNull(at) != ':') throw error("expected ':'")
                at++
                result[key] = value()
                skipSpace()
                when (text.getOrNull(at)) {
                    ',' -> at++
                    '}' -> return result.also { at++ }
                    else -> throw error("expected ',' or '}'")
                }
            }
        }

        private fun array(): List<Any?> {
            val result = ArrayList<Any?>()
            at++
            skipSpace()
            if (text.getOrNull(at) == ']') return result.also { at++ }
            while (true) {
                result.add(value())
                skipSpace()
                when (text.getOrNull(at)) {
                    ',' -> at++
                    ']' -> return result.also { at++ }
                    else -> throw error("expected ',' or ']'")
                }
            }
        }

        private fun string(): String {
            val out = StringBuilder()
            at++
            while (true) {
                if (atEnd()) throw error("unterminated string")
                val char = text[at++]
                when (char) {
                    '"' -> return out.toString()
                    '\\' -> {
                        if (atEnd()) throw error("unterminated escape")
                        when (val escaped = text[at++]) {
                            '"', '\\', '/' -> out.append(escaped)
                            'b' -> out.append('\b')
                            'f' -> out.append('\u000C')
                            'n' -> out.append('\n')
                            'r' -> out.append('\r')
                            't' -> out.append('\t')
                            'u' -> {
                                if (at + 4 > text.length) throw error("short \\u escape")
                                out.append(text.substring(at, at + 4).toInt(16).toChar())
                                at += 4
                            }
                            else -> throw error("bad escape \\$escaped")
                        }
                    }
                    else -> out.append(char)
                }
            }
        }

        private fun number(): Double {
            val start = at
            while (at < text.length && text[at] in "+-0123456789.eE") at++
            if (start == at) throw error("unexpected character '${text[start]}'")
            return text.substring(start, at).toDoubleOrNull() ?: throw error("bad number")
        }
    }
}
