"""Teachers and students, by name."""
from tfcompress.models.registry import (STUDENTS, TEACHERS, build_student, build_teacher, register_student,
                                       register_teacher)
from tfcompress.models.saving import load_model, save_model
from tfcompress.models.teacher_cache import TeacherOutputCache
from tfcompress.models.students.bag import BagStudent
from tfcompress.models.students.cnn import CNNStudent
from tfcompress.models.students.fastgrnn import FastGRNNStudent
from tfcompress.models.students.prado import PRADOStudent
from tfcompress.models.teachers.bilstm import BiLSTMTeacher
from tfcompress.models.teachers.minilm import MiniLMTeacher
from tfcompress.models.teachers.wide_cnn import WideCNNTeacher
from tfcompress.models.text_classifier import TextClassifier
from tfcompress.models.user_teacher import TextTeacher

__all__ = ["BagStudent", "BiLSTMTeacher", "CNNStudent", "FastGRNNStudent", "MiniLMTeacher", "PRADOStudent", "STUDENTS", "TEACHERS", "TeacherOutputCache", "TextClassifier", "TextTeacher", "WideCNNTeacher",
           "build_student", "build_teacher", "load_model", "register_student", "register_teacher", "save_model"]
