"""Sandboxed grading of student notebooks against the answer key."""
