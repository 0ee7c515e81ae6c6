package tfcompress.preprocessing

import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.io.File

/**
 * The app-side preprocessing against the golden files the Python package writes
 * (`python -m tfcompress.export.golden_inputs`; folder in the system property `golden.dir`).
 */
class GoldenInputsTest {
    private val folder = File(System.getProperty("golden.dir") ?: "build/android/golden")

    private fun lines(name: String): List<Map<*, *>> =
        File(folder, name).readLines(Charsets.UTF_8).filter { it.isNotEmpty() }.map { Json.parse(it) as Map<*, *> }

    private fun json(name: String): Map<*, *> = Json.parse(File(folder, name).readText(Charsets.UTF_8)) as Map<*, *>

    private fun checkEncoder(name: String) {
        val header = json("encoder_$name.json")
        val encoder = ModelSpec.encoderOf(header.section("encoder"), header.section("preprocessing"))
        val shape = (header["input_shape"] as List<*>).map { (it as Number).toInt() }
        assertEquals(shape, encoder.inputShape.toList())
        val cases = lines("encoder_$name.jsonl")
        val sets = cases.groupBy { it["set"] }
        assertTrue("$name: golden cases of the test split, attack texts and Unicode edge cases",
            listOf("test", "attack", "unicode").all { (sets[it]?.size ?: 0) > 0 })
        val problems = ArrayList<String>()
        for (case in cases) {
            val text = case["text"] as String
            val input = encoder.encode(text)
            val expected = (case["input"] as List<*>).map { (it as Number).toDouble() }
            val found = when (input) {
                is ModelInput.Ints -> input.values.map { it.toDouble() }
                is ModelInput.Floats -> input.values.map { it.toDouble() }
            }
            if (input.tokens != case["tokens"]) problems.add("tokens of ${quote(text)}: ${input.tokens} != ${case["tokens"]}")
            else if (found != expected) problems.add("input of ${quote(text)} differs")
        }
        if (problems.isNotEmpty()) fail("$name: ${problems.size} of ${cases.size} cases differ; first: ${problems.take(5)}")
    }

    @Test fun hashingIdsMatchPython() = checkEncoder("hashing")

    @Test fun multiHashIdsMatchPython() = checkEncoder("multi_hash")

    @Test fun vocabularyIdsWithTypoRecoveryMatchPython() = checkEncoder("vocabulary")

    @Test fun vocabularyIdsWithoutTypoRecoveryMatchPython() = checkEncoder("vocabulary_no_typo_recovery")

    @Test fun vocabularyIdsWithKnownWordsMatchPython() = checkEncoder("vocabulary_known_words")

    @Test fun ternaryProjectionsMatchPython() = checkEncoder("ternary_projection")

    @Test fun everyAssignedCodePointHasPythonsClassAndLowerCase() {
        val table = json("characters.json")
        val assigned = Ranges(table["assigned"] as List<*>)
        val letters = Ranges(table["letter_or_digit"] as List<*>)
        val whitespace = (table["whitespace"] as List<*>).map { (it as Number).toInt() }.toSet()
        val lowercase = table["lowercase"] as Map<*, *>
        assertEquals(WordTokenizer.WHITESPACE, whitespace)
        val tokenizer = WordTokenizer()
        val problems = ArrayList<String>()
        var compared = 0
        for (point in 0..0x10FFFF) {
            if (point in 0xD800..0xDFFF || !assigned.contains(point) || !Character.isDefined(point)) continue
            compared++
            val char = String(Character.toChars(point))
            if (WordTokenizer.isLetterOrDigit(point) != letters.contains(point)) problems.add("U+%04X class".format(point))
            if (WordTokenizer.isWhitespace(point) != (point in whitespace)) problems.add("U+%04X space".format(point))
            val lower = lowercase[point.toString()] as String? ?: char
            if (tokenizer.lowercase(char) != lower) problems.add("U+%04X lower".format(point))
        }
        assertTrue("compared $compared code points", compared > 100_000)
        if (problems.isNotEmpty()) fail("${problems.size} code points differ from Python ${table["unicode_version"]}: ${problems.take(20)}")
    }

    @Test fun theShippedModelsSpecBuildsItsEncoderAndExplanationsMatchTheLibrary() {
        val spec = ModelSpec.read(File(folder, "model_spec.json"))
        assertTrue(spec.labels.isNotEmpty())
        val outputs = File(folder, "model_outputs.jsonl")
        if (spec.contributionsIndex == null) {
            assertTrue("a model that does not explain itself has no outputs file", !outputs.exists())
            return
        }
        val problems = ArrayList<String>()
        val cases = lines("model_outputs.jsonl")
        for (case in cases) {
            val text = case["text"] as String
            val input = spec.encoder.encode(text) as ModelInput.Ints
            if (input.values.toList() != (case["input"] as List<*>).map { (it as Number).toInt() }) {
                problems.add("input of ${quote(text)}")
                continue
            }
            val logits = floats(case["logits"])
            val explanation = Explanation.of(spec, input, logits, floats(case["contributions"]))
            if (explanation.supporting(3).map { it.word } != case["supporting"]) {
                problems.add("highlighted words of ${quote(text)}: ${explanation.supporting(3).map { it.word }} != ${case["supporting"]}")
            }
            if (explanation.predictedClass != logits.indices.maxBy { logits[it] }) problems.add("class of ${quote(text)}")
        }
        assertTrue(cases.size > 1000)
        if (problems.isNotEmpty()) fail("${problems.size} of ${cases.size} texts differ; first: ${problems.take(5)}")
    }

    private fun floats(values: Any?): FloatArray = (values as List<*>).map { (it as Number).toFloat() }.toFloatArray()

    private fun quote(text: String) = "\"" + text.take(60) + "\""

    /** Sorted, disjoint [first, last] code point ranges, as the Python table writes them. */
    private class Ranges(ranges: List<*>) {
        private val firsts: IntArray
        private val lasts: IntArray

        init {
            val pairs = ranges.map { pair -> (pair as List<*>).map { (it as Number).toInt() } }
            firsts = pairs.map { it[0] }.toIntArray()
            lasts = pairs.map { it[1] }.toIntArray()
        }

        fun contains(point: Int): Boolean {
            var index = java.util.Arrays.binarySearch(firsts, point)
            if (index < 0) index = -index - 2
            return index >= 0 && point <= lasts[index]
        }
    }
}
