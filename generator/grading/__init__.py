"""Answer checking, by job: read a submission into the key's structure, compare it part by part, score it."""
