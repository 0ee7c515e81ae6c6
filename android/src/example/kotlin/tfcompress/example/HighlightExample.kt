package tfcompress.example

import tfcompress.preprocessing.Explanation
import tfcompress.preprocessing.Json
import tfcompress.preprocessing.ModelSpec
import tfcompress.preprocessing.WordTokenizer
import java.io.File

/**
 * How an app turns the model's two outputs into highlighted text. On Android the outputs come from LiteRT:
 *
 * ```
 * val input = spec.encoder.encode(text)
 * val logits = Array(1) { FloatArray(spec.labels.size) }
 * val contributions = Array(1) { Array(spec.encoder.maxLength) { FloatArray(spec.labels.size) } }
 * interpreter.runForMultipleInputsOutputs(arrayOf(input.toByteBuffer()),
 *     mapOf(spec.logitsIndex to logits, spec.contributionsIndex!! to contributions))
 * val explanation = Explanation.of(spec, input, logits[0], contributions[0].flatMap { it.asList() }.toFloatArray())
 * textView.text = highlight(text, explanation, 3)   // with spans instead of the brackets below
 * ```
 *
 * Here (no Android runtime on the JVM) the outputs are the ones the Python package recorded from the same
 * `.tflite`: `java -cp ... tfcompress.example.HighlightExampleKt model_spec.json model_outputs.jsonl 5`.
 */
fun main(args: Array<String>) {
    val spec = ModelSpec.read(File(args[0]))
    val count = args.getOrNull(2)?.toInt() ?: 5
    File(args[1]).useLines { lines ->
        lines.take(count).forEach { line ->
            val recorded = Json.parse(line) as Map<*, *>
            val text = recorded["text"] as String
            val input = spec.encoder.encode(text)
            val explanation = Explanation.of(spec, input, floats(recorded["logits"]), floats(recorded["contributions"]))
            val percent = (100 * explanation.probabilities[explanation.predictedClass]).toInt()
            println("${explanation.label} ($percent%): ${highlight(text, explanation, 3)}")
        }
    }
}

/**
 * [text] with its [count] most supporting words in [brackets] and most opposing ones in {braces}. Token
 * offsets are those of the lower-cased text; where lower-casing changes the length ('İ'), the lower-cased
 * text is shown.
 */
fun highlight(text: String, explanation: Explanation, count: Int): String {
    val tokenizer = WordTokenizer()
    val lower = tokenizer.lowercase(text)
    val shown = if (lower.length == text.length) text else lower
    val spans = tokenizer.spans(lower)
    val supporting = explanation.supporting(count).map { it.position }.toSet()
    val opposing = explanation.opposing(count).map { it.position }.toSet()
    val out = StringBuilder()
    var at = 0
    spans.forEachIndexed { position, span ->
        val (open, close) = when (position) {
            in supporting -> "[" to "]"
            in opposing -> "{" to "}"
            else -> "" to ""
        }
        out.append(shown, at, span.first).append(open).append(shown, span.first, span.last + 1).append(close)
        at = span.last + 1
    }
    return out.append(shown, at, shown.length).toString()
}

private fun floats(values: Any?): FloatArray = (values as List<*>).map { (it as Number).toFloat() }.toFloatArray()
