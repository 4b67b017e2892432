"""certsite: a static site generator for public certification registers."""
