"""Reference CNN implementations: the single source of truth for every answer cnnlab prints or grades."""
