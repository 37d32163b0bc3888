"""README.md and docs/*.md against the repository: every `gentool ...` command line they show parses against the real
CLI, and every relative link and image they hold points at a file that exists (and a link into a Markdown file with
an anchor, at one of its headings).

Commands are parsed, never run: the click command Typer builds from the app walks the words through each group's
option parser and subcommands to the leaf's option parser, which refuses an unknown command or option (or an option
without its value) but neither converts values nor calls callbacks, so placeholders (`RUN`, `DIR`, `...`) pass.

What counts as a command: a shell segment (split at `&&`, `||`, `;`, `|`, after any `VAR=value` words) whose first
word is `gentool`, on a line of a fenced code block (a leading `$ ` prompt is dropped, `\\` continues a line), or in
inline code. HTML comments are skipped: they are not rendered, and notes there may name what is not real yet.
"""

from __future__ import annotations

import functools
import re
import shlex
from pathlib import Path
from urllib.parse import unquote

import typer

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.DOTALL)
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
HTML_SOURCE = re.compile(r"<(?:img|a|source)\b[^>]*?\b(?:src|href)\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
SHELL_OPERATORS = {"&&", "||", ";", "|", "&", ";;", "|&"}


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def split_markdown(text: str) -> tuple[list[tuple[int, str]], str]:
    """The lines inside fenced code blocks (with their line numbers, 1-based) and the text outside them, where each
    fenced line and each HTML comment is blanked so that offsets still give line numbers."""
    code_lines, prose, fence = [], [], None
    for number, line in enumerate(text.splitlines(), start=1):
        opening = FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
            prose.append("")
        elif fence is not None and line.strip().startswith(fence):
            fence = None
            prose.append("")
        elif fence is not None:
            code_lines.append((number, line))
            prose.append("")
        else:
            prose.append(line)
    prose_text = HTML_COMMENT.sub(lambda match: re.sub(r"[^\n]", " ", match.group(0)), "\n".join(prose))
    return code_lines, prose_text


def joined_code_lines(code_lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Shell lines as the shell reads them: a line ending in a backslash continues on the next."""
    joined, pending, start = [], "", 0
    for number, line in code_lines:
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        joined.append((start, pending + line))
        pending = ""
    if pending:
        joined.append((start, pending))
    return joined


def inline_code(prose: str) -> list[tuple[int, str]]:
    """Inline code spans of the prose (a span may wrap onto the next line, never past a blank line)."""
    spans = []
    for paragraph in re.finditer(r"(?:[^\n]+\n?)+", prose):
        for match in INLINE_CODE.finditer(paragraph.group(0)):
            line = prose.count("\n", 0, paragraph.start() + match.start()) + 1
            spans.append((line, " ".join(match.group(2).split()).replace("\\|", "|")))
    return spans


def gentool_commands(line: str) -> list[list[str]]:
    """The `gentool` invocations of one shell line, each as its words after `gentool`."""
    line = line.strip()
    if line.startswith("$ "):
        line = line[2:]
    lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        words = list(lexer)
    except ValueError:  # an unbalanced quote: prose, not a command
        return []
    commands, segment = [], []
    for word in [*words, ";"]:
        if word in SHELL_OPERATORS:
            while segment and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", segment[0]):
                segment.pop(0)
            if segment and segment[0] == "gentool":
                commands.append(segment[1:])
            segment = []
        else:
            segment.append(word)
    return commands


@functools.lru_cache(maxsize=1)
def cli():
    from gentool.cli.app import app

    return typer.main.get_command(app)


def parse_error(words: list[str]) -> str | None:
    """Why `gentool WORDS` does not parse (an unknown command or option, an option without its value), or None.

    Each command's own option parser reads the words: it knows every option and how many values each takes, and
    neither converts the values nor calls callbacks (`--help`, `--version` and `--install-completion` do nothing)."""
    command, name, context, rest = cli(), "gentool", None, list(words)
    try:
        while True:
            context = command.context_class(command, info_name=name, parent=context, **command.context_settings)
            _, rest, _ = command.make_parser(context).parse_args(args=rest)
            if not hasattr(command, "get_command") or not rest:  # a leaf, or a group shown without a subcommand
                return None
            subcommand = command.get_command(context, rest[0])
            if subcommand is None:
                known = ", ".join(command.list_commands(context))
                return f"no command {rest[0]!r} under '{context.command_path}' (known: {known})"
            command, name, rest = subcommand, rest[0], rest[1:]
    except Exception as error:  # click's UsageError family; any other failure to parse is a failure too
        message = error.format_message() if hasattr(error, "format_message") else str(error)
        return f"{type(error).__name__}: {message}"


def documented_commands() -> list[tuple[str, int, str, list[str]]]:
    """(file, line, the command as written, its words after `gentool`) for every command in the Markdown files."""
    found = []
    for path in markdown_files():
        code_lines, prose = split_markdown(path.read_text(encoding="utf-8"))
        relative = path.relative_to(ROOT).as_posix()
        for number, line in [*joined_code_lines(code_lines), *inline_code(prose)]:
            for words in gentool_commands(line):
                found.append((relative, number, " ".join(["gentool", *words]), words))
    return found


def test_the_documents_show_commands():
    """The extraction finds the commands (a broken extractor would pass every check vacuously)."""
    commands = documented_commands()
    assert len(commands) > 50
    assert any(words[:2] == ["gan", "train"] for *_, words in commands)


def test_every_documented_command_parses():
    bad = []
    for relative, number, shown, words in documented_commands():
        error = parse_error(words)
        if error is not None:
            bad.append(f"{relative}:{number}: {shown}\n    {error}")
    assert not bad, f"{len(bad)} documented command(s) do not parse against the CLI:\n" + "\n".join(bad)


def test_the_parser_refuses_what_the_cli_refuses():
    assert parse_error(["gan", "train", "--preset", "PRESET", "--seed", "S", "--out", "runs/x", "..."]) is None
    assert parse_error(["--help"]) is None
    assert parse_error(["sweep", "gan", "--grid", "fixes=vanilla,r1", "--seeds", "3"]) is None
    assert "no command 'trian'" in parse_error(["gan", "trian"])
    assert "--no-such-flag" in parse_error(["gan", "train", "--no-such-flag"])
    assert parse_error(["gan", "coverage", "--run"]) is not None  # an option without its value
    assert gentool_commands("$ OMP_NUM_THREADS=1 gentool em fit -k 3 && gentool vi fit | head -1  # note") == [
        ["em", "fit", "-k", "3"], ["vi", "fit"]]


def link_targets(text: str) -> list[tuple[int, str]]:
    """Link and image targets of a Markdown text outside code, with their line numbers."""
    _, prose = split_markdown(text)
    prose = INLINE_CODE.sub(lambda match: re.sub(r"[^\n]", " ", match.group(0)), prose)
    targets = []
    for pattern in (LINK, REFERENCE_DEFINITION, HTML_SOURCE):
        for match in pattern.finditer(prose):
            targets.append((prose.count("\n", 0, match.start(1)) + 1, match.group(1)))
    return targets


def is_relative(target: str) -> bool:
    return not (re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target) or target.startswith(("#", "//")))


def resolve_link(source: Path, target: str) -> tuple[Path, str]:
    """The file a relative link points at (from the repository's root when it starts with /) and its anchor."""
    file_part, _, anchor = target.partition("#")
    file_part = unquote(file_part.split("?", 1)[0])
    if not file_part:
        return source, anchor
    base = ROOT if file_part.startswith("/") else source.parent
    return (base / file_part.lstrip("/")).resolve(), anchor


def heading_anchors(text: str) -> set[str]:
    """The anchors GitHub gives a Markdown file's headings (lower case, punctuation dropped, spaces as hyphens, a
    repeated one numbered), plus explicit `<a id=...>` / `<a name=...>` anchors."""
    code_lines, _ = split_markdown(text)
    in_code = {number for number, _ in code_lines}
    anchors, seen = set(), {}
    for number, line in enumerate(text.splitlines(), start=1):
        heading = re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if number in in_code or not heading:
            continue
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.group(1)).replace("`", "").replace("*", "")
        slug = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
        anchors.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    anchors.update(re.findall(r"<a\s[^>]*?(?:id|name)\s*=\s*[\"']([^\"']+)[\"']", text, re.IGNORECASE))
    return anchors


def test_every_relative_link_and_image_resolves():
    bad = []
    for path in markdown_files():
        for number, target in link_targets(path.read_text(encoding="utf-8")):
            if not is_relative(target):
                continue
            if not resolve_link(path, target)[0].exists():
                bad.append(f"{path.relative_to(ROOT).as_posix()}:{number}: {target} (no such file)")
    assert not bad, f"{len(bad)} relative link(s) do not resolve:\n" + "\n".join(bad)


def test_every_anchor_into_markdown_names_a_heading():
    bad = []
    for path in markdown_files():
        for number, target in link_targets(path.read_text(encoding="utf-8")):
            if not (is_relative(target) or target.startswith("#")) or "#" not in target:
                continue
            linked, anchor = resolve_link(path, target)
            if linked.suffix == ".md" and linked.exists() and anchor not in heading_anchors(linked.read_text("utf-8")):
                bad.append(f"{path.relative_to(ROOT).as_posix()}:{number}: {target} (no heading gives #{anchor})")
    assert not bad, f"{len(bad)} link anchor(s) name no heading:\n" + "\n".join(bad)


def test_link_extraction():
    text = "See [usage](docs/usage.md#configs), ![grid](img/a.png \"t\") and `[not](a link)`.\n\n```\n[x](y)\n```\n" \
           "[ref]: ../other.md\n<img src=\"pic.png\" width=\"300\">\n"
    assert [target for _, target in link_targets(text)] == ["docs/usage.md#configs", "img/a.png", "../other.md",
                                                             "pic.png"]
    assert not is_relative("https://example.org/a.md") and not is_relative("#speed") and is_relative("docs/a.md")
    assert heading_anchors("# Speed\n## What `gan coverage` reports\n### Fix benchmark (2-D, CPU budget)\n## Speed\n"
                           "```\n# not a heading\n```\n") == {
        "speed", "what-gan-coverage-reports", "fix-benchmark-2-d-cpu-budget", "speed-1"}
