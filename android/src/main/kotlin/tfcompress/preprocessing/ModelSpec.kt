package tfcompress.preprocessing

import java.io.File

/**
 * The app-side spec that travels with a tfcompress `.tflite` (the sidecar `student.json`, or the associated
 * file `tfcompress_text_spec.json` inside the model's metadata): labels, input, outputs and the text encoder.
 *
 * Example:
 * ```
 * val spec = ModelSpec.read(File("student.json"))
 * val input = spec.encoder.encode("a gorgeous, witty film")   // ModelInput.Ints for the word students
 * ```
 */
class ModelSpec(val json: Map<*, *>) {
    init {
        if (json["format"] != FORMAT) throw SpecException("spec format '${json["format"]}' is not $FORMAT")
    }

    val labels: List<String> = (json["labels"] as? List<*>)?.map { it.toString() }
        ?: throw SpecException("the spec has no 'labels' list")
    val inputShape: IntArray = shapeOf(json.section("input"))
    val inputDtype: String = json.section("input").text("dtype")
    /** Position of the logits among the interpreter's outputs. */
    val logitsIndex: Int = (json.section("output")["index"] as? Number)?.toInt() ?: 0
    /** Position of the per-token contributions among the outputs, or null for a model that does not explain itself. */
    val contributionsIndex: Int? = (json["contributions"] as? Map<*, *>)?.let { it.int("index") }
    val encoder: TextEncoder = encoderOf(json.section("encoder"), json.section("preprocessing"))

    init {
        if (!inputShape.drop(1).toIntArray().contentEquals(encoder.inputShape)) {
            throw SpecException("the spec's input shape ${inputShape.toList()} is not the encoder's ${encoder.inputShape.toList()}")
        }
    }

    companion object {
        const val FORMAT = "tfcompress-android-v1"

        fun parse(text: String): ModelSpec =
            ModelSpec(Json.parse(text) as? Map<*, *> ?: throw SpecException("the spec is not a JSON object"))

        fun read(file: File): ModelSpec = try {
            parse(file.readText(Charsets.UTF_8))
        } catch (error: SpecException) {
            throw SpecException("${file.path}: ${error.message}")
        }

        /** The encoder that an `encoder` entry ({class, config}) and its `preprocessing` section describe. */
        fun encoderOf(entry: Map<*, *>, preprocessing: Map<*, *>): TextEncoder {
            val config = entry.section("config")
            val encoder = when (val name = entry["class"]) {
                "HashingEncoder" -> HashingEncoder.fromSpec(preprocessing)
                "MultiHashEncoder" -> MultiHashEncoder.fromSpec(preprocessing)
                "VocabularyEncoder" -> VocabularyEncoder.fromSpec(config, preprocessing)
                "TernaryProjectionEncoder" -> TernaryProjectionEncoder.fromSpec(preprocessing)
                else -> throw SpecException("encoder '$name' is not one this code implements")
            }
            if ((config["max_length"] as? Number)?.toInt() != encoder.maxLength) {
                throw SpecException("the encoder config's max_length differs from the preprocessing's")
            }
            return encoder
        }

        private fun shapeOf(section: Map<*, *>): IntArray =
            (section["shape"] as? List<*>)?.map { (it as Number).toInt() }?.toIntArray()
                ?: throw SpecException("the spec's input has no shape")
    }
}
