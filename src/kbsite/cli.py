"""Command line: parse arguments, run a command, print diagnostics, set the exit status.

Heavy modules are imported inside commands so `kbsite --help` stays instant.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

# Light (the standard library only): `kbsite --version` stays quick.
from kbsite.errors import print_diagnostics, problems_summary

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run kbsite with the given arguments; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    from kbsite.errors import KbsiteError

    try:
        return int(args.run(args))
    except KbsiteError as exc:
        print_diagnostics(exc.diagnostics, sys.stderr)
        count = sum(1 for d in exc.diagnostics if d.is_error)
        print(
            f"kbsite: {count} error{'s' if count != 1 else ''}; nothing was written",
            file=sys.stderr,
        )
        return EXIT_ERRORS
    except KeyboardInterrupt:
        print("kbsite: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # a disk full, a folder we may not write: the system's words, no trace
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"kbsite: {where}{exc.strerror or exc}; the build stopped", file=sys.stderr)
        return EXIT_ERRORS


def run() -> NoReturn:
    """The `kbsite` command: run main() with the process's arguments, then end the process
    at once with its status.

    A build leaves hundreds of thousands of objects behind (notes, entries, pages, caches);
    freeing them one by one as the interpreter shuts down took ~50 ms of a 1.8 s build, for
    memory the system takes back anyway. Everything the command writes is written and closed
    by then; standard output and error are flushed here.
    """
    status = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(status)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kbsite",
        description="Build a static site from a folder of Markdown notes: Chinese, math, code.",
    )
    parser.add_argument(
        "--version", action=_VersionAction, help="show kbsite's version and its engines', and exit"
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command")

    build = commands.add_parser(
        "build",
        help="build the site into its output folder",
        description="Build the site into its output folder (public/ by default).",
    )
    _site_options(build)
    build.add_argument(
        "--output",
        "-o",
        type=Path,
        help="output folder (default: `output` in site.yaml, else public/)",
    )
    build.add_argument("--quiet", "-q", action="store_true", help="print only warnings and errors")
    build.add_argument(
        "--strict",
        action="store_true",
        help="treat warnings (e.g. unresolved wiki links) as errors",
    )
    build.add_argument(
        "--jobs", "-j", type=_positive_int, help="worker processes (default: one per core)"
    )
    build.add_argument(
        "--no-cache",
        action="store_true",
        help="render every note afresh; leave .kbsite-cache/ alone",
    )
    build.set_defaults(run=_cmd_build)

    serve = commands.add_parser(
        "serve",
        help="preview the site, rebuilding and reloading the browser on every save",
        description="Build the site into a temporary folder, serve it, and rebuild on changes "
        "to content/, templates/, static/ and site.yaml; open pages reload themselves.",
    )
    serve.add_argument(
        "--site", type=Path, default=Path("."), help="site folder holding site.yaml (default: .)"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, default=8000, help="port to listen on; 0 picks a free one"
    )
    serve.add_argument("--drafts", action="store_true", help="include notes marked `draft: true`")
    serve.add_argument("--open", action="store_true", help="open the site in a web browser")
    serve.set_defaults(run=_cmd_serve)

    new = commands.add_parser(
        "new",
        help="create a note with front matter",
        description="Create a new note with front matter in content/<category>/.",
    )
    new.add_argument("title", help='the note\'s title, e.g. "扩散模型简介"')
    new.add_argument(
        "--category", "-c", required=True, help="a category name or slug declared in site.yaml"
    )
    new.add_argument("--slug", help="file name and URL slug (default: made from the title)")
    new.add_argument(
        "--site", type=Path, default=Path("."), help="site folder holding site.yaml (default: .)"
    )
    new.set_defaults(run=_cmd_new)

    init = commands.add_parser(
        "init",
        help="create a new site: site.yaml, an example note, a GitHub Pages workflow",
        description="Create a new site in DIR: site.yaml, content/ with an example note, "
        ".github/workflows/pages.yml, requirements.txt and .gitignore. DIR may hold other "
        "files (a fresh clone); existing files are never overwritten.",
    )
    init.add_argument(
        "dir", type=Path, nargs="?", default=Path("."), help="site folder (default: .)"
    )
    init.add_argument(
        "--language", choices=("zh-CN", "en"), default="zh-CN", help="UI language (default: zh-CN)"
    )
    init.add_argument(
        "--base-url",
        help="where the site will be published, e.g. https://user.github.io/notes/ "
        "(default: a placeholder to edit in site.yaml)",
    )
    init.set_defaults(run=_cmd_init)

    check = commands.add_parser(
        "check",
        help="build the site and check every link, anchor, image, feed and the sitemap",
        description="Build the site into a temporary folder (or read --output with --no-build) "
        "and check every internal link, #anchor, image and asset in the HTML, the Atom feeds "
        "and sitemap.xml. External links are listed, and fetched only with --external.",
    )
    _site_options(check)
    check.add_argument(
        "--output", "-o", type=Path, help="build into (or, with --no-build, read) this folder"
    )
    check.add_argument(
        "--no-build", action="store_true", help="check an existing output folder without building"
    )
    check.add_argument(
        "--external", action="store_true", help="also fetch external links (needs a network)"
    )
    check.add_argument(
        "--timeout", type=float, default=10.0, help="seconds per external link (default: 10)"
    )
    check.add_argument("--verbose", "-v", action="store_true", help="list every external link")
    check.set_defaults(run=_cmd_check)

    imp = commands.add_parser(
        "import",
        help="copy the posts and images of a Hexo, Jekyll or Hugo blog into this site",
        description="Copy posts (with their images) from a Hexo, Jekyll or Hugo blog into "
        "content/<category>/, front matter rewritten to kbsite's keys, and the blog's static "
        "files into static/. SRC_DIR is only read; existing files are never overwritten. "
        "Prints what could not be converted.",
    )
    imp.add_argument("tool", choices=("hexo", "jekyll", "hugo"), help="the blog's generator")
    imp.add_argument("src", type=Path, metavar="SRC_DIR", help="the blog's folder")
    imp.add_argument(
        "--site", type=Path, default=Path("."), help="site folder (default: .; made if needed)"
    )
    imp.set_defaults(run=_cmd_import)
    return parser


class _VersionAction(argparse.Action):
    """Print kbsite's version and its engines'; read only when asked (not on every command)."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> NoReturn:
        from kbsite.release.versions import version_report

        print(version_report())
        parser.exit()


def _site_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--site", type=Path, default=Path("."), help="site folder holding site.yaml (default: .)"
    )
    parser.add_argument("--drafts", action="store_true", help="include notes marked `draft: true`")
    parser.add_argument(
        "--base-url", help="override base_url from site.yaml, e.g. https://user.github.io/notes/"
    )


def _cmd_build(args: argparse.Namespace) -> int:
    from kbsite.render.math.formulas import Formulas
    from kbsite.render.math.prestart import start_ahead

    # Before importing the builder (~0.2 s on one core): V8 starts meanwhile on another, and
    # reads the notes for their formulas as soon as it is up.
    formulas = Formulas()
    start_ahead(formulas, args.site, cache=not args.no_cache)

    from kbsite.build import Builder, BuildOptions
    from kbsite.load.contentfiles import navigation_files_summary
    from kbsite.progress import progress_printer

    options = BuildOptions(
        site_dir=args.site,
        output=args.output,
        drafts=args.drafts,
        base_url=args.base_url,
        jobs=args.jobs,
        cache=not args.no_cache,
        strict=args.strict,
        one_build=True,
    )
    progress = None if args.quiet else progress_printer(sys.stderr)
    try:
        result = Builder(options, progress=progress, formulas=formulas).build()
    finally:
        formulas.stop()  # the formula process's work is done, however the build ended
    print_diagnostics(result.warnings, sys.stderr)
    if not args.quiet:
        where = (
            os.path.relpath(result.output)
            if result.output.is_relative_to(Path.cwd())
            else result.output
        )
        # Rebuilding a site rewrites only what changed; say how much that was.
        changed = len(result.changed)
        files = f"{result.files} files" + (
            f", {changed} changed" if changed != result.files else ""
        )
        print(
            f"Built {result.notes} notes into {result.pages} pages ({files}) "
            f"in {where}/ in {result.seconds:.2f} s"
        )
        if result.skipped:
            print(navigation_files_summary(result.skipped))
    if result.warnings:  # the site is written; the list says what to fix (issue 23)
        print(f"kbsite: {problems_summary(result.warnings)}", file=sys.stderr)
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    import signal
    import threading
    import webbrowser

    from kbsite.serve.preview import BuildReport, Preview, ServeOptions

    first = True

    def report(result: BuildReport) -> None:
        # One block per rebuild: errors (or warnings) once, then what it did and how fast.
        print_diagnostics(result.diagnostics, sys.stderr)
        print(result.summary(first=first), file=sys.stdout if result.ok else sys.stderr)

    options = ServeOptions(site_dir=args.site, host=args.host, port=args.port, drafts=args.drafts)
    try:
        preview = Preview(options, on_build=report)
    except OSError as exc:
        print(f"kbsite: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # `kill` stops the preview as cleanly as Ctrl-C

    signal.signal(signal.SIGTERM, stop)
    with preview:
        preview.start()
        first = False
        print(f"Serving {preview.url}  (Ctrl-C to stop)", flush=True)
        if args.open:
            webbrowser.open(preview.url)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("\nStopped.")
    return EXIT_OK


def _cmd_new(args: argparse.Namespace) -> int:
    from kbsite.scaffold.create import create_note

    path = create_note(args.site, args.title, args.category, slug=args.slug)
    print(f"Created {path}")
    return EXIT_OK


def _cmd_init(args: argparse.Namespace) -> int:
    from kbsite.release.pinning import load_pin
    from kbsite.scaffold.create import DEFAULT_BASE_URL, init_site

    pin = load_pin()
    written = init_site(
        args.dir,
        language=args.language,
        base_url=args.base_url or DEFAULT_BASE_URL,
        requirements=pin.requirements,
    )
    for path in written:
        print(f"Created {path}")
    where = "" if args.dir.resolve() == Path.cwd().resolve() else f"cd {args.dir} && "
    print(
        f"\nNext: edit site.yaml (title, author, base_url), then `{where}kbsite build`.\n"
        "To publish: push to GitHub and set Settings -> Pages -> Source to GitHub Actions."
    )
    if pin.problem:  # last, where it is read: the first deploy would fail without the edit
        print(f"\nkbsite: warning: {pin.problem}", file=sys.stderr)
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from kbsite.check.links import CheckOptions, run_check

    options = CheckOptions(
        site_dir=args.site,
        output=args.output,
        build=not args.no_build,
        drafts=args.drafts,
        base_url=args.base_url,
        external=args.external,
        timeout=args.timeout,
    )
    report = run_check(options)
    print_diagnostics(report.diagnostics, sys.stderr)
    for line in report.summary(verbose=args.verbose, fetched=args.external):
        print(line)
    if report.errors:
        count = report.errors
        print(f"kbsite check: {count} broken reference{'s' if count != 1 else ''}", file=sys.stderr)
    if report.build_problems:  # the build wrote the site despite them; a check does not pass
        print(f"kbsite check: {problems_summary(report.build_problems)}", file=sys.stderr)
    return EXIT_ERRORS if report.errors or report.build_problems else EXIT_OK


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _cmd_import(args: argparse.Namespace) -> int:
    from kbsite.importers import run_import

    if not args.src.is_dir():
        print(f"kbsite: {args.src} is not a folder", file=sys.stderr)
        return EXIT_USAGE
    report = run_import(args.tool, args.src, args.site)
    if report.created_site:
        print(f"Created {args.site / 'site.yaml'} from the blog's settings; check base_url")
    print(f"Imported {len(report.posts)} posts and {len(report.files)} files into {args.site}/")
    if report.categories:
        print(f"Declared in site.yaml: {', '.join(report.categories)}")
    for problem in report.problems:
        print(f"not converted: {problem}", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    run()
