"""What the `data` commands print: the font dataset's faces, skips and counts; the drum dataset's figures beside
their baselines."""

from __future__ import annotations

from rich.table import Table

from gentool.datasets.font_faces import LETTERS
from gentool.evaluate.instruments import instrument_of
from gentool.views.tables import cell

DRUM_COLUMNS = [("bars", "{}"), ("density", "{:.3f}"), ("syncopation", "{:.3f}"), ("symmetry", "{:.3f}"),
                ("groove_consistency", "{:.3f}"), ("validity", "{:.3f}"), ("diversity", "{:.3f}"),
                ("swing", "{:+.3f}"), ("snare_lay_back", "{:+.3f}"), ("velocity_mean", "{:.0f}")]
BASELINE_ROWS = (("validity", "{:.3f}"), ("genre_accuracy", "{:.3f}"), ("diversity", "{:.3f}"), ("novelty", "{:.3f}"),
                 ("syncopation", "{:.3f}"), ("symmetry", "{:.3f}"), ("density", "{:.3f}"))


def font_report(stats: dict) -> list[Table | str]:
    # file names fold onto a second line rather than being cut, so two skipped files are never shown alike
    faces = Table(title=f"font faces used ({len(stats['faces'])})", title_justify="left")
    for column in ("face", "split", "file", "source"):
        faces.add_column(column, overflow="fold")
    for face in stats["faces"]:
        faces.add_row(face["name"], face["split"], face["file"], face["source"])
    shown: list[Table | str] = [faces]
    if stats["skipped"]:
        skipped = Table(title=f"font files skipped ({len(stats['skipped'])})", title_justify="left")
        skipped.add_column("file", overflow="fold", ratio=2)
        skipped.add_column("reason", overflow="fold", ratio=3)
        for item in stats["skipped"]:
            skipped.add_row(item["file"], item["reason"])
        shown.append(skipped)
    state = "built now" if stats["built"] else "cache hit"
    return shown + [samples_per_letter(stats), f"dataset {stats['fingerprint']} ({state}): {stats['path']}",
                    f"preview: {stats['preview']}"]


def samples_per_letter(stats: dict) -> Table:
    """A–M beside N–Z, a letter per row: 26 letters as columns cannot fit an 80-column terminal."""
    table = Table(title="samples per letter", title_justify="left")
    half = (len(LETTERS) + 1) // 2
    for _ in range(2):
        for column in ("letter", "train", "val"):
            table.add_column(column, justify="left" if column == "letter" else "right")
    counts = stats["per_letter"]
    for first, second in zip(LETTERS[:half], [*LETTERS[half:], None]):
        cells = [first, str(counts["train"][first]), str(counts["val"][first])]
        cells += [second, str(counts["train"][second]), str(counts["val"][second])] if second else ["", "", ""]
        table.add_row(*cells)
    table.rows[-1].end_section = True
    table.add_row("all", str(stats["samples"]["train"]), str(stats["samples"]["val"]), "", "", "")
    return table


def drum_report(stats: dict) -> list[Table | str]:
    table = Table(title="one-bar patterns per genre (swing: mean offset of off-beat 16ths, in steps)",
                  title_justify="left")
    table.add_column("")
    for genre in stats["genres"]:
        table.add_column(genre, justify="right")
    for name, fmt in DRUM_COLUMNS:
        table.add_row(name.replace("_", " "), *[cell(figures[name], fmt) for figures in stats["genres"].values()])
    least = stats["genre_classifier"]["min_held_out_bars"]
    rough = (f"; only {stats['baseline_bars']} bars, fewer than {least}: rough, genre accuracy not given"
             if stats["baseline_bars"] < least else "")
    baselines = Table(title=f"metrics beside their baselines (held-out bars; random = same density; collapsed = one "
                            f"bar repeated{rough})", title_justify="left")
    baselines.add_column("")
    for name in stats["baselines"]:
        baselines.add_column(name, justify="right")
    for key, fmt in BASELINE_ROWS:
        baselines.add_row(key.replace("_", " "), *[cell(b.get(key), fmt) for b in stats["baselines"].values()])
    state = "built now" if stats["built"] else "cache hit"
    return [table, baselines, classifier_line(stats["genre_classifier"]), *import_lines(stats),
            *[f"skipped {item['file']}: {item['reason']}" for item in stats["skipped"]],
            f"dataset {stats['fingerprint']} ({state}): {stats['path']}  ({stats['train_bars']} train / "
            f"{stats['val_bars']} held-out bars)",
            f"preview: {stats['preview']}; listen: {stats['examples']}/<genre>.wav"]


def classifier_line(classifier: dict) -> str:
    instrument = instrument_of(classifier["instrument"])
    unread = classifier.get("unread_genres") or []
    left_out = f"; {', '.join(unread)}: not among the genres it names, so not read" if unread else ""
    return f"genre classifier: {_classifier_figure(classifier)} (read by {instrument.label()}){left_out}"


def _classifier_figure(classifier: dict) -> str:
    bars = classifier["held_out_bars"]
    if classifier["held_out_accuracy"] is not None:
        per_genre = ", ".join(f"{g} {a:.0%}" for g, a in classifier["per_genre"].items())
        return f"{classifier['held_out_accuracy']:.1%} on {bars} held-out bars ({per_genre})"
    if not bars:
        return "not measured (no held-out bars; add files or phrases)"
    return (f"not measured: {bars} held-out bar{'s' if bars != 1 else ''}, fewer than the "
            f"{classifier['min_held_out_bars']} a held-out accuracy needs; add files or phrases")


def import_lines(stats: dict) -> list[str]:
    """What --midi-dir brought in: files and bars per genre, and how many files were skipped."""
    imported = stats["imported"]
    if not imported and not stats["skipped"]:
        return []

    def plural(count: int, word: str) -> str:
        return f"{count:,} {word}{'' if count == 1 else 's'}"
    per_genre = "; ".join(f"{genre} {plural(n['files'], 'file')}, {plural(n['bars'], 'bar')}"
                          for genre, n in imported.items())
    files = sum(n["files"] for n in imported.values())
    bars = sum(n["bars"] for n in imported.values())
    return [f"imported from --midi-dir: {plural(files, 'file')}, {plural(bars, 'bar')}"
            f"{' (' + per_genre + ')' if per_genre else ''}; {plural(len(stats['skipped']), 'file')} skipped",
            *bars_per_file(stats["files"])]


LISTED_FILES = 12  # an import of up to this many files lists each one's bars; a larger one gives their spread


def bars_per_file(files: list[dict]) -> list[str]:
    """How many bars each imported file gave (silent bars inside it are dropped, and said)."""
    def one(record: dict) -> str:
        silent = f", {record['silent_bars']} silent dropped" if record["silent_bars"] else ""
        return f"{record['file']}: {record['bars']:,} bars at {record['bpm']:g} BPM{silent}"

    if len(files) <= LISTED_FILES:
        return [f"  {one(record)}" for record in files]
    counts = sorted(record["bars"] for record in files)
    largest = max(files, key=lambda record: record["bars"])
    return [f"bars per file: median {counts[len(counts) // 2]:,}, fewest {counts[0]:,}, most {counts[-1]:,} "
            f"({one(largest)})"]
