"""tfcompress.report is a package that keeps the names the single module report.py had."""
import importlib

import tfcompress.report as report

# Every public name of the former tfcompress/report.py (its atomic writers now live in tfcompress.atomic).
FORMER_MODULE_NAMES = """
FILES_DIR MISSING MODEL_COLORS MODEL_LABELS CSS NUMBER
Heading Paragraph Absent Link Facts Table Image Details Assets
write_report report_blocks value_at fmt fmt_bytes fmt_params short_count
header_section describe_dataset at_a_glance params_ratio models_section model_name absent_row teacher_row
student_row qat_row tflite_row accuracy_bars size_bars tflite_facts file_link distillation_facts
describe_embedding_init describe_adversarial_texts robustness_section robustness_row explanations_section
split_fidelity_key fidelity_blocks aopc_blocks heatmap_blocks personalization_section describe_on_device
federated_blocks describe_dp evaluation_blocks stages_section
label_bars draw_accuracy_and_size draw_robustness draw_grouped_bars draw_deletion_curves draw_personalization_gains
to_markdown markdown_block markdown_inline markdown_cell quote_href to_html slug html_block html_inline html_cell
""".split()


def test_the_package_exports_every_name_of_the_former_module():
    missing = [name for name in FORMER_MODULE_NAMES if not hasattr(report, name)]
    assert not missing
    assert set(FORMER_MODULE_NAMES) <= set(report.__all__)
    assert all(hasattr(report, name) for name in report.__all__)


def test_each_name_comes_from_the_module_named_for_it():
    for module, names in {"writer": ["write_report"], "sections": ["report_blocks", "page_title"],
                          "blocks": ["Heading", "Image", "quote_href"], "values": ["fmt", "MISSING"],
                          "assets": ["Assets", "FILES_DIR"], "plots": ["draw_robustness"],
                          "markdown_page": ["to_markdown"], "html_page": ["to_html", "CSS"]}.items():
        submodule = importlib.import_module(f"tfcompress.report.{module}")
        for name in names:
            assert getattr(report, name) is getattr(submodule, name), (module, name)


def test_files_are_written_with_the_package_atomic_writer():
    from tfcompress import atomic
    from tfcompress.report import assets, writer

    assert assets.write_bytes_atomic is atomic.write_bytes_atomic
    assert writer.write_text_atomic is atomic.write_text_atomic
