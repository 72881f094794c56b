"""Printable exams: Typst PDFs in forms or per student, answer-key PDFs, and the marks sheet TAs fill in."""
