package tfcompress.preprocessing

import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/** Behaviour that needs no golden file: known hash values, the tokenizer's rule, refusals of foreign specs. */
class PreprocessingTest {
    @Test fun fnv1aKnownValues() {
        assertEquals(0x811C9DC5L, Fnv1a.hash32(ByteArray(0)))
        assertEquals(0xE40C292CL, Fnv1a.hash32("a".toByteArray()))
        assertEquals(0xBF9CF968L, Fnv1a.hash32("foobar".toByteArray()))
    }

    @Test fun tokenizerKeepsInnerApostrophesAndSplitsPunctuation() {
        assertEquals(listOf("don't", "panic", ",", "it's", "great", "!"), WordTokenizer().tokenize("Don't panic, it's GREAT!"))
        assertEquals(listOf("'", "quoted", "'", "it", "'", "'", "s"), WordTokenizer().tokenize("'quoted' it''s"))
        assertEquals(listOf("snake", "_", "case", "x2", "²"), WordTokenizer().tokenize("snake_case x2 ²"))
    }

    @Test fun codePointsOutsideTheBmpAreOneCharacter() {
        assertEquals(listOf("\uD835\uDC00\uD835\uDC01", "😀"), WordTokenizer().tokenize("\uD835\uDC00\uD835\uDC01 😀"))
    }

    @Test fun vocabularyRecoversOneEditTyposToTheMostFrequentWord() {
        val encoder = VocabularyEncoder(listOf("the", "film", "good", "."), 6)
        assertArrayEquals(intArrayOf(2, 3, 1, 4, 5, 0), (encoder.encode("The flim is goood.") as ModelInput.Ints).values)
        val strict = VocabularyEncoder(listOf("the", "film"), 3, typoRecovery = false)
        assertArrayEquals(intArrayOf(2, 1, 0), (strict.encode("the flim") as ModelInput.Ints).values)
    }

    @Test fun aSpecForAnotherTokenizerOrEncoderIsRefused() {
        val preprocessing = mapOf("tokenizer" to mapOf("name" to "other-v2", "apostrophe" to "U+0027 only"),
            "hash" to "FNV-1a 32-bit (offset 0x811C9DC5, prime 0x01000193)", "num_buckets" to 10.0,
            "max_length" to 4.0, "id" to "1 + hash mod 10", "padding" to "right-pad with id 0")
        val tokenizerError = runCatching { HashingEncoder.fromSpec(preprocessing) }.exceptionOrNull()
        assertTrue(tokenizerError is SpecException && tokenizerError.message!!.contains("other-v2"))
        val entry = mapOf("class" to "BytePairEncoder", "config" to mapOf("max_length" to 4.0))
        val encoderError = runCatching { ModelSpec.encoderOf(entry, preprocessing) }.exceptionOrNull()
        assertTrue(encoderError is SpecException && encoderError.message!!.contains("BytePairEncoder"))
    }

    @Test fun aCorruptVocabularyIsRefused() {
        val section = mapOf("data" to "bm90IGd6aXA=", "size" to 2.0, "sha256" to "00")
        val error = runCatching { VocabularyEncoder.unpack(section) }.exceptionOrNull()
        assertTrue(error is SpecException && error.message!!.contains("does not decode"))
    }

    @Test fun jsonReaderHandlesEscapesAndRefusesTrailingText() {
        assertEquals(mapOf("a" to listOf(1.0, "é\n", true, null)), Json.parse("{\"a\": [1, \"\\u00e9\\n\", true, null]}"))
        assertTrue(runCatching { Json.parse("{} x") }.exceptionOrNull() is SpecException)
    }

    @Test fun explanationReadsThePredictedClassColumn() {
        val spec = ModelSpec(Json.parse(SPEC) as Map<*, *>)
        val input = spec.encoder.encode("bad good film")
        val contributions = floatArrayOf(0.5f, -1f, -0.2f, 2f, 0.1f, 0.3f, 0f, 0f)  // [position, class], 4 x 2
        val explanation = Explanation.of(spec, input, floatArrayOf(-1f, 1f), contributions)
        assertEquals(1, explanation.predictedClass)
        assertEquals("rotten", explanation.label)
        assertEquals(listOf("good", "film"), explanation.supporting(2).map { it.word })
        assertEquals(listOf("bad"), explanation.opposing(3).map { it.word })
        assertEquals(1f, explanation.probabilities.sum(), 1e-6f)
    }

    companion object {
        const val SPEC = """{"format": "tfcompress-android-v1", "labels": ["fresh", "rotten"],
            "input": {"dtype": "int32", "shape": [1, 4]}, "output": {"index": 0}, "contributions": {"index": 1},
            "encoder": {"class": "HashingEncoder", "config": {"num_buckets": 10, "max_length": 4}},
            "preprocessing": {"tokenizer": {"name": "tfcompress-word-v1", "apostrophe": "U+0027 only"},
              "hash": "FNV-1a 32-bit over the token's UTF-8 bytes (offset 0x811C9DC5, prime 0x01000193)",
              "id": "1 + hash mod 10", "num_buckets": 10, "max_length": 4, "padding": "right-pad with id 0"}}"""
    }
}
