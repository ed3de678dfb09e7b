"""The batch labeller: sources (files, folders, zips), readers, splitting, the tagging core, writers, the run."""
