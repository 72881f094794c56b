"""Paper exams read from their scans: pages found by QR code, aligned, and every answer box read."""
