package tfcompress.preprocessing

import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.ByteArrayOutputStream
import java.security.MessageDigest
import java.util.Base64
import java.util.zip.GZIPOutputStream

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

    @Test fun knownWordsAreUnknownInsteadOfRecovered() {
        val known = KnownWords.fromSpec(knownWordsSpec())
        assertTrue("bar" in known && "lie" in known)
        assertFalse("bad" in known || "film" in known || "flim" in known || "bxr" in known)
        // The same filter by hand: for each word and seed j, set bit FNV-1a-32(byte j, then UTF-8) mod 17.
        val data = ByteArray(3)
        for (word in listOf("bar", "lie")) for (seed in 0 until 6) {
            val position = (Fnv1a.hash32(word.toByteArray(Charsets.UTF_8), seed) % 17).toInt()
            data[position / 8] = (data[position / 8].toInt() or (1 shl position % 8)).toByte()
        }
        assertEquals("YVsB", Base64.getEncoder().encodeToString(data))
        assertTrue("bar" in KnownWords(17, 6, data) && "bad" !in KnownWords(17, 6, data))
        val vocabulary = listOf("the", "bad", "film")
        val filtered = VocabularyEncoder(vocabulary, 4, knownWords = known)
        assertArrayEquals(intArrayOf(2, 1, 4, 0), (filtered.encode("the bar flim") as ModelInput.Ints).values)
        val plain = VocabularyEncoder(vocabulary, 4)
        assertArrayEquals(intArrayOf(2, 3, 4, 0), (plain.encode("the bar flim") as ModelInput.Ints).values)
        val strict = VocabularyEncoder(vocabulary, 4, typoRecovery = false, knownWords = known)
        assertArrayEquals(intArrayOf(2, 1, 1, 3), (strict.encode("the bar flim bad") as ModelInput.Ints).values)
    }

    @Test fun aVocabularySpecWithKnownWordsBuildsTheFilteredEncoder() {
        val raw = "the\nbad\nfilm".toByteArray(Charsets.UTF_8)
        val gzipped = ByteArrayOutputStream().also { out -> GZIPOutputStream(out).use { it.write(raw) } }.toByteArray()
        val vocabulary = mapOf("data" to Base64.getEncoder().encodeToString(gzipped), "size" to 3.0,
            "sha256" to MessageDigest.getInstance("SHA-256").digest(raw).joinToString("") { "%02x".format(it) })
        val preprocessing = mapOf("tokenizer" to mapOf("name" to "tfcompress-word-v1", "apostrophe" to "U+0027 only"),
            "id" to VocabularyEncoder.ID_RULE, "padding" to "right-pad with id 0", "max_length" to 4.0,
            "typo_recovery" to mapOf("enabled" to true, "alphabet" to VocabularyEncoder.ALPHABET),
            "vocabulary" to vocabulary, "known_words" to knownWordsSpec())
        val config = mapOf("vocabulary" to "preprocessing.vocabulary", "known_words" to "preprocessing.known_words",
            "max_length" to 4.0, "typo_recovery" to true)
        val entry = mapOf("class" to "VocabularyEncoder", "config" to config)
        val encoder = ModelSpec.encoderOf(entry, preprocessing)
        assertArrayEquals(intArrayOf(2, 1, 4, 0), (encoder.encode("the bar flim") as ModelInput.Ints).values)
        val unfiltered = ModelSpec.encoderOf(mapOf("class" to "VocabularyEncoder",
            "config" to config + ("known_words" to null)), preprocessing + ("known_words" to null))
        assertArrayEquals(intArrayOf(2, 3, 4, 0), (unfiltered.encode("the bar flim") as ModelInput.Ints).values)
        val elsewhere = runCatching {
            VocabularyEncoder.fromSpec(config + ("known_words" to "preprocessing.other"), preprocessing)
        }.exceptionOrNull()
        assertTrue(elsewhere is SpecException && elsewhere.message!!.contains("preprocessing.other"))
    }

    @Test fun aCorruptKnownWordsFilterIsRefused() {
        val section = knownWordsSpec()
        val tampered = runCatching { KnownWords.fromSpec(section + ("data" to "YVsC")) }.exceptionOrNull()
        assertTrue(tampered is SpecException && tampered.message!!.contains("sha256"))
        val short = runCatching { KnownWords.fromSpec(section + ("bits" to 40.0)) }.exceptionOrNull()
        assertTrue(short is SpecException && short.message!!.contains("bytes"))
        val otherHash = runCatching {
            KnownWords.fromSpec(section + ("rule" to "bit (murmur3 over the token) mod bits is set"))
        }.exceptionOrNull()
        assertTrue(otherHash is SpecException && otherHash.message!!.contains("FNV-1a 32-bit"))
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

    @Suppress("UNCHECKED_CAST")
    private fun knownWordsSpec(): Map<String, Any?> = Json.parse(KNOWN_WORDS) as Map<String, Any?>

    companion object {
        /** Python's `KnownWords(["bar", "lie"], 0.02).spec()`. */
        const val KNOWN_WORDS = """{"format": "base64 (RFC 4648) of the filter's bytes",
            "rule": "a token is a known word when, for every j in 0..hashes-1, bit (FNV-1a 32-bit over the byte j followed by the token's UTF-8, offset 0x811C9DC5, prime 0x01000193) mod bits is set; bit i is bit i mod 8 (least significant first) of byte i div 8 of the decoded data",
            "bits": 17, "hashes": 6, "sha256": "970ca21706bab4a755f69074d6f92d74224bf8678fcf70d7c109726e7ea5ed8d",
            "data": "YVsB"}"""

        const val SPEC = """{"format": "tfcompress-android-v1", "labels": ["fresh", "rotten"],
            "input": {"dtype": "int32", "shape": [1, 4]}, "output": {"index": 0}, "contributions": {"index": 1},
            "encoder": {"class": "HashingEncoder", "config": {"num_buckets": 10, "max_length": 4}},
            "preprocessing": {"tokenizer": {"name": "tfcompress-word-v1", "apostrophe": "U+0027 only"},
              "hash": "FNV-1a 32-bit over the token's UTF-8 bytes (offset 0x811C9DC5, prime 0x01000193)",
              "id": "1 + hash mod 10", "num_buckets": 10, "max_length": 4, "padding": "right-pad with id 0"}}"""
    }
}
