"""The ``certsite`` command: the only place that prints diagnostics and picks exit codes.

Exit codes: 0 success; 1 invalid content or a failed build (with a message, never a
traceback); 2 bad usage (argparse's own convention).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import date
from importlib.metadata import distribution
from pathlib import Path

from certsite import urls
from certsite.build import BuildOptions, BuildReport, build, check
from certsite.cache import DEFAULT_FOLDER
from certsite.data_import import PlannedFile, SpreadsheetProblems, plan_import
from certsite.errors import BuildError, ContentError, Diagnostic, format_diagnostic
from certsite.json_schema import announcement_schema_json
from certsite.load import load, load_site, load_standards, source_lines
from certsite.parallel import available_cores
from certsite.scaffold import AlreadyExists, CannotWrite, NewAnnouncement, create, create_all, trial_register
from certsite.serve import serve
from certsite.starter import NotAFolder, NotEmpty, create_register
from certsite.text import slugify
from certsite.validate import country_problem, slug_problem

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date in the form YYYY-MM-DD") from None


def _search_parts(report: BuildReport) -> str:
    """How much of the search index this build made, when not all of it."""
    assert report.search is not None
    parts = report.search.parts
    if report.search_reused:
        return " (unchanged, from the cache)"
    if report.search_parts_indexed < parts:
        return f" in {parts} parts ({report.search_parts_indexed} made again, the others from the cache)"
    return f" in {parts} parts" if parts > 1 else ""


def _jobs(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 256:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of processes (1 to 256)")
    return int(text)


class Progress:
    """What a long build is doing and how far it is, on one line of a terminal.

    Silent when standard error is not a terminal (a log file, a pipe) or under CI, so
    logs hold only the diagnostics and the summary.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.shown = ""
        self.last = 0.0

    @classmethod
    def for_terminal(cls) -> Progress:
        return cls(sys.stderr.isatty() and not os.environ.get("CI"))

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if stage == self.shown and done < total and now - self.last < 0.1:
            return  # ten updates a second are enough to read
        self.last = now
        if self.shown and stage != self.shown:
            sys.stderr.write("\n")
        self.shown = stage
        sys.stderr.write(f"\r{stage}: {done:,} of {total:,} ({100 * done // max(total, 1)} %)\x1b[K")
        sys.stderr.flush()

    def finish(self) -> None:
        """End the progress line, so that what is printed next starts on its own."""
        if self.enabled and self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
        self.shown = ""


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number (0 to 65535)")
    return int(text)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="certsite", description="Build a public certification register from Markdown and YAML.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def content_options(command: argparse.ArgumentParser) -> None:
        command.add_argument("--content", type=Path, default=Path("content"), metavar="DIR", help="content folder (default: content/)")
        command.add_argument("--as-of", type=_iso_date, default=None, metavar="YYYY-MM-DD", help="the date the build treats as today, for embargoes and expiry (default: today)")
        command.add_argument("--drafts", action="store_true", help="include announcements marked draft: true")
        command.add_argument("--templates", type=Path, default=None, metavar="DIR", help="the register's own templates and static files, used before certsite's (default: templates/ beside the content folder, if there is one)")
        command.add_argument("--strict", action="store_true", help="fail on warnings too (no end date, one entity page under several names or countries)")

    def cache_options(command: argparse.ArgumentParser) -> None:
        command.add_argument("--cache", type=Path, default=None, metavar="DIR", help=f"keep earlier builds' work here and reuse what has not changed (default: {DEFAULT_FOLDER}/ beside the content folder); safe to delete at any time")
        command.add_argument("--no-cache", action="store_true", help="neither read nor write the cache: build everything afresh")
        command.add_argument("--jobs", type=_jobs, default=None, metavar="N", help="processes that parse and render (default: one per CPU core)")

    build_command = commands.add_parser("build", help="validate the content and write the site")
    content_options(build_command)
    build_command.add_argument("--output", type=Path, default=Path("site"), metavar="DIR", help="output folder (default: site/)")
    build_command.add_argument("--no-search", action="store_true", help="skip the Pagefind search index (faster, for development)")
    cache_options(build_command)

    check_command = commands.add_parser("check", help="validate the content and render in memory; write nothing")
    content_options(check_command)
    check_command.add_argument("--jobs", type=_jobs, default=None, metavar="N", help="processes that parse the content (default: one per CPU core)")

    new_command = commands.add_parser("new", help="start a new announcement file in content/certifications/")
    new_command.add_argument("--content", type=Path, default=Path("content"), metavar="DIR", help="content folder (default: content/)")
    new_command.add_argument("--entity", help="the certified company's name as announced")
    new_command.add_argument("--entity-slug", help="the entity page's slug (needed when the name has no Latin letters)")
    new_command.add_argument("--country", help="ISO 3166-1 alpha-2 code, e.g. CN")
    new_command.add_argument("--standard", help="standard id, e.g. asi-ps-v3")
    new_command.add_argument("--date", type=_iso_date, default=None, metavar="YYYY-MM-DD", help="announcement date (default: today)")

    schema_command = commands.add_parser("schema", help="print the JSON Schema of announcement front matter, with the address it is published at")
    schema_command.add_argument("--content", type=Path, default=Path("content"), metavar="DIR", help="content folder, for site.yaml's base_url (default: content/)")

    import_command = commands.add_parser("import", help="write announcement files from a spreadsheet with the columns of the data download certifications.csv (.csv or .xlsx)")
    import_command.add_argument("file", type=Path, metavar="FILE", help="a .csv (UTF-8) or .xlsx file whose first row names the columns")
    import_command.add_argument("--content", type=Path, default=Path("content"), metavar="DIR", help="content folder (default: content/)")

    init_command = commands.add_parser("init", help="start a new register in an empty folder")
    init_command.add_argument("folder", type=Path, metavar="DIR", help="where to create it (missing or empty)")

    serve_command = commands.add_parser("serve", help="build, serve on 127.0.0.1, rebuild and reload on every change")
    content_options(serve_command)
    serve_command.add_argument("--port", type=_port, default=8000, help="port to listen on (default: 8000; 0 picks a free one)")
    serve_command.add_argument("--no-search", action="store_true", help="skip the search index for faster rebuilds")
    cache_options(serve_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    if args.command == "schema":
        return print_schema(args.content)
    if args.command == "new":
        return new_announcement(args)
    if args.command == "init":
        return init_register(args.folder)
    if args.command == "import":
        return import_spreadsheet(args.file, args.content)
    if args.command == "check" or args.no_cache:
        cache_dir = None  # check writes nothing, not even the cache
    else:
        cache_dir = args.cache or args.content.parent / DEFAULT_FOLDER
    options = BuildOptions(
        args.content, args.as_of or date.today(), args.drafts, templates_dir=args.templates, strict=args.strict,
        cache_dir=cache_dir, jobs=args.jobs or available_cores(),
    )
    progress = Progress.for_terminal()
    try:
        if args.command == "serve":
            serve(options, args.port, with_search=not args.no_search, log=lambda text: print(text, flush=True), progress=progress)
            return EXIT_OK
        if args.command == "check":
            result = check(options, progress)
            progress.finish()
            print_diagnostics(result.warnings)
            print(f"{args.content}: valid{_warning_count(result.warnings)}; {len(result.catalog.announcements)} announcements would be published as of {options.build_date}.")
        else:
            report = build(options, args.output, Path.cwd(), with_search=not args.no_search, progress=progress)
            progress.finish()
            search = (
                f"; search: {report.search.pages} pages indexed, {report.search.bytes / 1024:.0f} KB{_search_parts(report)}"
                if report.search else "; search: not indexed (--no-search)"
            )
            print_diagnostics(report.warnings)
            reused = f" ({report.pages - report.rendered} unchanged, from the cache)" if report.rendered < report.pages else ""
            print(f"Built {report.pages} pages{reused} into {args.output}/ in {report.seconds:.2f} s{search}{_warning_count(report.warnings)}.")
            if report.cache_unwritable:
                print(
                    f"note: the cache {cache_dir}/ could not be written ({report.cache_unwritable}), so the next build will redo all of this one's work;"
                    " let the build's user write there, or name another folder with --cache DIR",
                    file=sys.stderr,
                )
    except ContentError as error:
        progress.finish()
        print_diagnostics(error.diagnostics)
        published = " Nothing was published." if args.command == "build" else ""
        print(f"{error}.{published}", file=sys.stderr)
        return EXIT_FAILED
    except BuildError as error:
        progress.finish()
        print(f"certsite {args.command}: {error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _ask(value: str | None, prompt: str, option: str, read: Callable[[str], str] = str) -> str:
    """An option's value as ``read`` makes it, asked for when it was not given and someone is at the keyboard.

    ``read`` raises ``_Usage`` for a wrong value. Given on the command line, a wrong
    value is a usage error; typed at the prompt, it is explained and asked again.
    """
    if value and value.strip():
        if "\n" in value or "\r" in value:
            raise _Usage(f"{option} must be one line")
        return read(value.strip())
    if not sys.stdin.isatty():
        raise _Usage(f"{option} is required (or run 'certsite new' in a terminal to be asked)")
    while True:
        try:
            answer = input(f"{prompt}: ").strip()
        except (EOFError, KeyboardInterrupt):  # Ctrl-D or Ctrl-C
            print(file=sys.stderr)  # end the prompt's line
            raise _Usage(f"stopped without an answer for {option}; no file was written") from None
        try:
            if not answer:
                raise _Usage("an answer is needed")
            return read(answer)
        except _Usage as error:
            print(f"{error}; try again, or press Ctrl-D to stop", file=sys.stderr)


class _Usage(Exception):
    pass


def new_announcement(args: argparse.Namespace) -> int:
    try:
        standards = load_standards(args.content)
        if not standards:
            raise _Usage(f"{args.content}/standards/ has no standard files; is {args.content} the content folder?")
        known = ", ".join(sorted(standards))

        # The same rules, and words, as certsite check: one place for each.
        def country_code(text: str) -> str:
            if problem := country_problem(text.upper()):
                raise _Usage("; ".join(problem))
            return text.upper()

        def known_standard(text: str) -> str:
            if text not in standards:
                raise _Usage(f"unknown standard '{text}'; known standards: {known}")
            return text

        def slug(text: str) -> str:
            if problem := slug_problem(text):
                raise _Usage("; ".join(problem))
            return text

        entity = _ask(args.entity, "Entity (company name as announced)", "--entity")
        country = _ask(args.country, "Country (ISO code, e.g. CN)", "--country", country_code)
        standard_id = _ask(args.standard, f"Standard ({known})", "--standard", known_standard)
        entity_slug = _ask(args.entity_slug or slugify(entity), "Entity slug (Latin letters, e.g. baotou-aluminium)", "--entity-slug", slug)
        standard = standards[standard_id]
        new = NewAnnouncement(entity, country, standard_id, f"{standard.name} {standard.version}", args.date or date.today())
        path = create(args.content / "certifications", new, entity_slug)
    except ContentError as error:
        print_diagnostics(error.diagnostics)
        print(f"{error}: fix the standards first.", file=sys.stderr)
        return EXIT_FAILED
    except _Usage as error:
        print(f"certsite new: {error}", file=sys.stderr)
        return EXIT_USAGE
    except AlreadyExists as error:
        print(f"certsite new: {error} exists already; edit it, or choose another --entity-slug or --date", file=sys.stderr)
        return EXIT_FAILED
    except CannotWrite as error:
        print(f"certsite new: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Created {path}\nFill in the auditor and the announcement text, then run: certsite check")
    return EXIT_OK


def import_spreadsheet(file: Path, content: Path) -> int:
    """Every bad row is reported, and then nothing is written: a partial import would leave
    the editor to work out which rows made it. The files are checked as a build checks
    them (in a copy of the register) before any is written, so that what import writes
    passes `certsite check`."""
    if not file.is_file():
        print(f"certsite import: {file} is not a file", file=sys.stderr)
        return EXIT_USAGE
    try:
        planned = plan_import(file, content)
        problems = _import_problems(file, content, planned)
        if problems:
            raise SpreadsheetProblems(problems)
        written = create_all(content / "certifications", {name: each.text for name, each in planned.items()})
    except SpreadsheetProblems as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"certsite import: {len(error.problems)} problem(s) in {file.name}; nothing was written.", file=sys.stderr)
        return EXIT_FAILED
    except OSError as error:
        print(f"certsite import: cannot read {file}: {error.strerror}", file=sys.stderr)
        return EXIT_FAILED
    except AlreadyExists as error:
        print(f"certsite import: {error} exists already; nothing was written", file=sys.stderr)
        return EXIT_FAILED
    except CannotWrite as error:
        print(f"certsite import: {error}; nothing was written", file=sys.stderr)
        return EXIT_FAILED
    for path in written:
        print(f"Created {path}")
    print(f"Imported {len(written)} announcement(s) from {file.name}. Check them with: certsite check --content {content}")
    return EXIT_OK


def _import_problems(file: Path, content: Path, planned: dict[str, PlannedFile]) -> list[str]:
    """What `certsite check` would say of the register with the planned files added, by
    spreadsheet row: errors in those files, and errors across files that the register
    did not have before (a certificate number given twice, an address taken)."""
    try:
        with trial_register(content, {name: each.text for name, each in planned.items()}) as trial:
            try:
                load(trial, jobs=available_cores())
                return []
            except ContentError as error:
                found = [d for d in error.diagnostics if not d.warning]
                new = {trial / "certifications" / name: name for name in planned}
    except OSError as error:
        return [f"{file.name}: the register in {content} could not be copied to check the import ({error.strerror})"]
    problems = []
    for diagnostic in found:
        if diagnostic.path in new:
            name = new[diagnostic.path]
            rows = ", ".join(map(str, planned[name].rows))
            hint = f"; {diagnostic.hint}" if diagnostic.hint else ""
            problems.append(f"{file.name}:{rows}: {diagnostic.message}{hint} (in the announcement {name} these rows make)")
    others = [d for d in found if d.path not in new]
    if others:
        try:
            load(content, jobs=available_cores())
            before: set[tuple[str, str]] = set()
        except ContentError as error:
            before = {(str(d.path.relative_to(content)), d.message) for d in error.diagnostics if not d.warning and d.path.is_relative_to(content)}
        for diagnostic in others:
            relative = diagnostic.path.relative_to(trial) if diagnostic.path.is_relative_to(trial) else diagnostic.path
            if (str(relative), diagnostic.message) not in before:
                problems.append(f"{file.name}: with these rows, {content / relative}: {diagnostic.message}")
    return problems
def print_schema(content: Path) -> int:
    try:
        site = load_site(content)
    except ContentError as error:
        print_diagnostics(error.diagnostics)
        print(f"{error}: the schema's address comes from site.yaml's base_url.", file=sys.stderr)
        return EXIT_FAILED
    sys.stdout.write(announcement_schema_json(urls.Addresses(site.base_url).absolute(urls.ANNOUNCEMENT_SCHEMA)))
    return EXIT_OK


def certsite_requirement() -> str:
    """The requirements.txt line that installs this certsite: the repository and commit it
    was installed from when pip recorded one (PEP 610), else its version.

    >>> certsite_requirement().startswith("certsite")
    True
    """
    installed = distribution("certsite")
    origin = json.loads(installed.read_text("direct_url.json") or "{}")
    if "vcs_info" in origin:
        return f"certsite @ {origin['vcs_info']['vcs']}+{origin['url']}@{origin['vcs_info']['commit_id']}"
    return f"certsite=={installed.version}"


def init_register(folder: Path) -> int:
    """Write the starter register, then build it in memory to show that it works."""
    requirement = certsite_requirement()
    try:
        written = create_register(folder, requirement)
    except NotEmpty:
        print(f"certsite init: {folder} is not empty; name a new or empty folder", file=sys.stderr)
        return EXIT_FAILED
    except NotAFolder:
        print(f"certsite init: {folder} is a file; name a new or empty folder", file=sys.stderr)
        return EXIT_FAILED
    except OSError as error:
        print(f"certsite init: cannot write {folder}: {error.strerror}", file=sys.stderr)
        return EXIT_FAILED
    try:
        result = check(BuildOptions(folder / "content", date.today()))
    except (ContentError, BuildError) as error:  # a broken starter is certsite's bug, but say so plainly
        print(f"certsite init: the new register does not build: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"Created a register in {folder} ({len(written)} files; {len(result.catalog.announcements)} example announcement builds).\n"
        f"Next: cd {folder}, edit content/site.yaml and content/standards/, replace the example announcement "
        "(certsite new starts one), and preview with: certsite serve"
    )
    if " @ " not in requirement:
        print(f"requirements.txt installs {requirement} on Netlify and in the pull-request check; if that release is "
              "not on your package index, put the address of your certsite repository there (see its comment).")
    return EXIT_OK


def _warning_count(warnings: tuple[Diagnostic, ...]) -> str:
    return f"; {len(warnings)} warning{'s' if len(warnings) != 1 else ''} (above; --strict fails on them)" if warnings else ""


# Every error is printed; warnings beyond this many are counted, so that a register
# imported without end dates does not bury its errors under thousands of lines.
SHOWN_WARNINGS = 50


def print_diagnostics(diagnostics: tuple[Diagnostic, ...]) -> None:
    """Each diagnostic with its source line; also as workflow annotations under GitHub Actions."""
    warnings = [d for d in diagnostics if d.warning]
    first_warnings = {id(d) for d in warnings[:SHOWN_WARNINGS]}
    shown = [d for d in diagnostics if not d.warning or id(d) in first_warnings]
    sources: dict[Path, list[str] | None] = {}
    for diagnostic in shown:
        if diagnostic.path not in sources:
            sources[diagnostic.path] = source_lines(diagnostic.path)
        print(format_diagnostic(diagnostic, sources[diagnostic.path]), file=sys.stderr)
    if len(warnings) > SHOWN_WARNINGS:
        print(f"… and {len(warnings) - SHOWN_WARNINGS:,} more warnings of the kinds above.", file=sys.stderr)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for diagnostic in shown:
            print(github_annotation(diagnostic))


def github_annotation(diagnostic: Diagnostic) -> str:
    """A workflow command that shows the error on the changed line of a pull request.

    >>> github_annotation(Diagnostic(Path("a.md"), 3, "bad: 50%", "fix it"))
    '::error file=a.md,line=3::bad: 50%25; fix it'
    """
    def escape(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    line = f",line={diagnostic.line}" if diagnostic.line else ""
    message = diagnostic.message + (f"; {diagnostic.hint}" if diagnostic.hint else "")
    kind = "warning" if diagnostic.warning else "error"
    return f"::{kind} file={escape(str(diagnostic.path)).replace(',', '%2C').replace(':', '%3A')}{line}::{escape(message)}"
