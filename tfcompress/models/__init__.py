"""Teachers and students, by name."""
from tfcompress.models.registry import STUDENTS, TEACHERS, build_student, build_teacher
from tfcompress.models.saving import load_model, save_model
from tfcompress.models.teacher_cache import TeacherOutputCache
from tfcompress.models.students.cnn import CNNStudent
from tfcompress.models.students.fastgrnn import FastGRNNStudent
from tfcompress.models.students.prado import PRADOStudent
from tfcompress.models.teachers.bilstm import BiLSTMTeacher
from tfcompress.models.teachers.minilm import MiniLMTeacher
from tfcompress.models.text_classifier import TextClassifier

__all__ = ["BiLSTMTeacher", "CNNStudent", "FastGRNNStudent", "MiniLMTeacher", "PRADOStudent", "STUDENTS", "TEACHERS", "TeacherOutputCache", "TextClassifier", "build_student",
           "build_teacher", "load_model", "save_model"]
