"""Located error reports and the two exception types the command line maps to exit codes.

A ``ContentError`` is the editors' business: it carries every ``Diagnostic`` of a run,
each pointing at a file and line. A ``BuildError`` is the tooling's: a disk or a
subprocess failed, and no content change will fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in one content file.

    ``line`` counts as an editor shows it (the opening ``---`` is line 1); ``None`` when
    the problem concerns the file as a whole. ``hint`` says what would be right.
    """

    path: Path
    line: int | None
    message: str
    hint: str | None = None
    # A warning names something a reader may be misled by but that the register can
    # publish (no end date, one slug under two names); only ``--strict`` fails on it.
    warning: bool = False

    def headline(self) -> str:
        r"""The ``path:line: error: message`` line, with the hint appended.

        >>> Diagnostic(Path("a.md"), 3, "unknown field 'titel'", "did you mean 'title'?").headline()
        "a.md:3: error: unknown field 'titel'; did you mean 'title'?"
        >>> Diagnostic(Path("a.md"), 9, "no end date", warning=True).headline()
        'a.md:9: warning: no end date'
        >>> Diagnostic(Path("search\n.md"), None, "not a slug").headline()
        'search\\n.md: error: not a slug'
        """
        # A file name may hold a line break: printed as is, it would start a line with no file.
        path = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in str(self.path))
        where = f"{path}:{self.line}" if self.line is not None else path
        text = f"{where}: {'warning' if self.warning else 'error'}: {self.message}"
        return f"{text}; {self.hint}" if self.hint else text

    def sort_key(self) -> tuple[str, int]:
        return (str(self.path), self.line or 0)


def format_diagnostic(diagnostic: Diagnostic, source_lines: list[str] | None) -> str:
    """The headline, followed by the offending source line when it is known."""
    text = diagnostic.headline()
    if source_lines is not None and diagnostic.line and diagnostic.line <= len(source_lines):
        source = source_lines[diagnostic.line - 1].rstrip()
        if len(source) > SHOWN_LINE_LENGTH:  # a line of thousands of brackets helps nobody
            source = source[:SHOWN_LINE_LENGTH] + " …"
        text += f"\n{diagnostic.line:>5} | {source}"
    return text


SHOWN_LINE_LENGTH = 160


class ContentError(Exception):
    """The content is invalid; holds every diagnostic of the run, sorted by file and line.

    Warnings found in the same run travel with the errors, so that an editor sees
    everything at once; the summary counts the errors (or, under ``--strict``, the
    warnings that failed the run).
    """

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]):
        self.diagnostics = tuple(sorted(diagnostics, key=Diagnostic.sort_key))
        errors = [d for d in self.diagnostics if not d.warning]
        counted = errors or list(self.diagnostics)
        files = len({d.path for d in counted})
        kind = "error" if errors or not counted else "warning"
        super().__init__(
            f"{_count(len(counted), kind)} in {_count(files, 'file')}"
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


class BuildError(Exception):
    """The build failed for a reason no content file can be pointed at (disk, Pagefind,
    templates, the output folder), or for a clash that validation should have caught."""
