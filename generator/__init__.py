"""Question templates, per-student variants and notebook rendering."""
