"""Quizzes for an LMS to grade on its own: Moodle XML (moodle.py) and QTI 1.2 for Canvas (qti.py).

Both draw N deterministic variants per question (variants.py) and write their text as HTML with MathJax math
(html.py); each target module exposes HELP, configure(parser) and main(**options) for `cnnlab export`.
"""
