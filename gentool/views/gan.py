"""What the `gan` commands print: fixes, the evaluator, coverage beside baselines, compare and benchmark tables."""

from __future__ import annotations

from rich import box
from rich.table import Table

from gentool.evaluate.instruments import instrument_of
from gentool.evaluate.letters import LetterEvaluator, confusion_summary
from gentool.evaluate.spread import format_spread, format_spread_with_interval
from gentool.gan.benchmark import PACGAN_PROTOCOL
from gentool.sweep.tables import interval
from gentool.views.sweep import half_width, p_cell, short
from gentool.views.tables import beside_baselines, markdown, models_beside_baselines

# precision and recall (Kynkäänniemi et al. 2019), density and coverage (Naeem et al. 2020): gentool.evaluate.prdc
PRDC_ROWS = [("precision (k-NN)", "prdc_precision", "{:.3f}"), ("recall (k-NN)", "prdc_recall", "{:.3f}"),
             ("density (k-NN)", "prdc_density", "{:.3f}"), ("coverage (k-NN)", "prdc_coverage", "{:.3f}")]
LETTER_ROWS = [("letters covered", "letters_covered", "{}"), ("share of letters covered", "coverage", "{:.3f}"),
               ("entropy", "entropy", "{:.3f}"), ("KL to uniform", "kl_uniform", "{:.3f}"),
               ("recognisable", "confident_share", "{:.3f}"), ("not a letter", "not_letter_share", "{:.3f}"),
               ("letter FID", "letter_fid", "{:.1f}"), *PRDC_ROWS,
               ("sharpness (Laplacian var.)", "sharpness", "{:.4f}")]
POINT_ROWS = [("modes captured", "modes_captured", "{}"), ("high quality %", "high_quality", "{:.1%}"),
              ("reverse KL", "reverse_kl", "{:.3f}"), *PRDC_ROWS]
LETTER_FEATURES = "the evaluator's features, against held-out letters"
BASELINE_NOTES = {"real": "held-out fonts", "noise": "uniform noise", "collapsed": "one image repeated"}


def fixes_lines(described: list[dict]) -> list[str]:
    lines = []
    for fix in described:
        options = ", ".join(f"{key}={value}" for key, value in fix["options"].items()) or "none"
        lines.append(f"[bold]{fix['name']}[/bold]: {fix['summary']}")
        lines.append(f"    options (fix_options.{fix['name']}.*): {options}; preset: --preset {fix['name']}")
        if fix["incompatible"]:
            lines.append(f"    cannot be combined with: {', '.join(fix['incompatible'])}")
    return lines


def evaluator_json(evaluator: LetterEvaluator, shipped: dict) -> dict:
    """The evaluator's identity and report; a local one's beside the shipped one's headline figures."""
    report = {key: value for key, value in evaluator.report.items() if key != "held_out"}
    held_out = {key: value for key, value in evaluator.report["held_out"].items() if key != "confusion"}
    return {**report, "held_out": held_out, "path": str(evaluator.path), "instrument": evaluator.instrument.record(),
            **({"shipped": shipped} if evaluator.instrument.source == "local" else {})}


def evaluator_lines(report: dict) -> list[str]:
    held_out = report["held_out"]
    instrument = instrument_of(report["instrument"])
    state = {True: ", built now", False: ", cache hit"}.get(report.get("built"), "")
    return [f"letter evaluator: {instrument.label()}{state}: {report['path']}",
            f"held-out accuracy: {held_out['accuracy']:.2%} on {report['held_out_images']} letters from unseen "
            f"fonts: {', '.join(report['held_out_faces'])}",
            "  by face: " + ", ".join(f"{name} {figures['accuracy']:.1%}"
                                      + (f" ({figures['rejected']:.1%} rejected)" if figures["rejected"] else "")
                                      for name, figures in held_out["by_face"].items()),
            f"training accuracy: {report['train']['accuracy']:.2%} on {report['train_images']} letters",
            *_letter_material_lines(report),
            f"not-a-letter images rejected: {report['not_letters_rejected']:.2%} of synthetic noise; "
            + _glyph_rejection(report["non_letter_glyphs_rejected"]),
            "worst held-out letters:", *[f"  {line}" for line in confusion_summary(report)],
            *_beside_shipped(report)]


def _beside_shipped(report: dict) -> list[str]:
    shipped = report.get("shipped")
    if not shipped:
        return []
    return [f"the shipped {instrument_of(shipped['instrument']).label()} reads {shipped['held_out_accuracy']:.2%} "
            f"held out and rejects {shipped['non_letter_glyphs_rejected']:.2%} of the real non-letter glyphs (this "
            f"one: {report['held_out']['accuracy']:.2%} and {report['non_letter_glyphs_rejected']['rejected']:.2%}); "
            f"figures it makes are labelled local"]


def _letter_material_lines(report: dict) -> list[str]:
    scripts, letter_fonts = report["script_fonts"], report["letter_fonts"]
    used = ", ".join(f"{font['capitals']} from {font['family']}" for font in scripts["used"]) or "none"
    families = sorted({font["family"] for font in letter_fonts["used"]})
    lines = [f"extra letter material: {report['train_styled_capitals']} renders of styled capitals and other "
             f"families' capitals (the training faces' script and double-struck ones; script capitals: {used}; "
             f"A-Z of {len(letter_fonts['used'])} letter-font faces: {', '.join(families) or 'none'}) and "
             f"{report['train_light_capitals']} light-weight renders of the plain capitals"]
    return lines + [f"  {kind} font {font['name']} not used: {font['reason']}"
                    for kind, fonts in (("script", scripts), ("letter", letter_fonts)) for font in fonts["refused"]]


def _glyph_rejection(glyphs: dict) -> str:
    parts = ", ".join(f"{name} {share:.0%}" for name, share in glyphs["by_category"].items())
    return f"{glyphs['rejected']:.2%} of {glyphs['glyphs']} real non-letter glyphs from unseen fonts ({parts})"


def coverage_view(result: dict) -> list[Table | str]:
    """The coverage table beside baselines, and the lines under it, for letter or 2-D runs."""
    used = result["checkpoint"]
    if result["kind"] == "points":
        table = beside_baselines(
            f"modes of {used} ({result['dataset']})",
            f"{result['samples']} samples, noise seed {result['seed']}{_reproduce(result)}; high quality = within "
            f"3 std of the nearest mode; a mode is captured by one high-quality sample; "
            f"{prdc_note(result, 'the points')}; baselines: real = the mixture, noise = uniform over the data's box, "
            f"collapsed = one mode", POINT_ROWS, result)
        return [table, f"wrote {result['path']} and {result['figures'][0]}"]
    table = beside_baselines(
        f"coverage of {used}",
        f"{result['samples']} samples, noise seed {result['seed']}{_reproduce(result)}; confident at p >= "
        f"{result['threshold']}; covered at >= "
        f"{result['model']['min_count']}; entropy normalised to 1 = uniform; "
        f"{prdc_note(result, LETTER_FEATURES)}; baselines: "
        + ", ".join(f"{n} = {BASELINE_NOTES[n]}" for n in result["baselines"]), LETTER_ROWS, result)
    missing = result["model"]["missing"]
    return [table, f"missing letters: {''.join(missing) if missing else 'none'}",
            f"measured by {instrument_of(result['instrument']).label()}",
            f"generated and scored in {result['seconds']:.2f} s; wrote {result['path']} and "
            f"{', '.join(result['figures'])}"]


def prdc_note(result: dict, space: str) -> str:
    """Where the k-NN figures were measured, for a table's caption."""
    k = result["model"].get("prdc_k")
    return f"k-NN: k = {k} nearest neighbours in {space}" if k else "k-NN figures: not in this result"


SIDE_BY_SIDE_ROWS = [("letters covered (of 26)", "letters_covered", "{}"),
                     ("recognisable", "confident_share", "{:.3f}"), ("not a letter", "not_letter_share", "{:.3f}"),
                     ("entropy", "entropy", "{:.3f}"), ("letter FID", "letter_fid", "{:.1f}")]


def letters_side_by_side(models: dict[str, dict], baselines: dict[str, dict], samples: int, seed: int) -> Table:
    """Several letter models' coverage reports (coverage.json's "model"), a column each, beside the baselines."""
    caption = f"{samples} samples each, noise seed {seed}; recognisable = the share of confident letters"
    if baselines:
        caption += "; baselines: " + ", ".join(f"{n} = {BASELINE_NOTES[n]}" for n in baselines)
    return models_beside_baselines("letter coverage", caption, SIDE_BY_SIDE_ROWS, models, baselines)


def _reproduce(result: dict) -> str:
    """Where the figures differ from the run's own evaluations, say how to get those."""
    run = result.get("run_evaluation") or {}
    if run.get("seed") == result["seed"] and run.get("samples") == result["samples"]:
        return " (as the run's evaluations)"
    return (f" (the run evaluates {run.get('samples')} samples with seed {run.get('seed')}: --seed {run.get('seed')}"
            f" reproduces its last figures)")


def sample_lines(result: dict) -> list[str]:
    what = (f"{result['n']:,} examples of the training data of {result['run']}" if result["what"] == "real" else
            f"{result['n']:,} samples of {result['checkpoint']}")
    return [f"wrote {what} ({result['dataset']}, seed {result['seed']}) to {result['out']}, {result['format']}"]


def interpolation_lines(result: dict) -> list[str]:
    return [f"wrote {result['figure']}"] + [f"path {number}: {' '.join(predicted)}   (? = not a confident letter)"
                                            for number, predicted in enumerate(result["predicted"], 1)]


def compare_view(result: dict) -> list[Table | str]:
    note = result.get("instruments_note")
    return [*compare_tables(result), *([note] if note else []), f"figure: {result['figure']}"]


def compare_tables(result: dict) -> list[Table]:
    # no vertical rules, and long run names fold, so the nine columns fit an 80-column terminal whole
    table = Table(title="runs (covered and best: letters of 26; onset: epoch collapse begins)", title_justify="left",
                  box=box.SIMPLE_HEAD)
    for column in ("run", "seed", "epochs", "covered", "best", "entropy", "FID", "onset", "s/epoch"):
        table.add_column(column, justify="left" if column == "run" else "right", no_wrap=column != "run",
                         overflow="fold")
    for i in result["runs"]:
        table.add_row(i["name"], str(i["seed"]), str(i["epochs"]), str(i["letters_covered"]),
                      str(i["best_letters_covered"]), "n/a" if i["entropy"] is None else f"{i['entropy']:.3f}",
                      f"{i['letter_fid']:.1f}", str(i["collapse_onset_epoch"] or "-"), f"{i['seconds_per_epoch']:.1f}")
    groups = result["groups"]
    grouped = Table(title="by fixes: mean ± std over runs", title_justify="left")
    grouped.add_column("")
    for name in groups:
        grouped.add_column(name, justify="right", overflow="fold")
    rows = [("runs", lambda stats: str(stats["runs"])),
            ("letters covered", lambda stats: format_spread(stats["letters_covered"], "{:.1f}")),
            ("best covered", lambda stats: format_spread(stats["best_letters_covered"], "{:.1f}")),
            ("entropy", lambda stats: format_spread(stats["entropy"], "{:.3f}")),
            ("letter FID", lambda stats: format_spread(stats["letter_fid"], "{:.1f}")),
            ("runs with collapse onset", lambda stats: f"{stats['collapsed_runs']}/{stats['runs']}"),
            ("seconds per epoch", lambda stats: format_spread(stats["seconds_per_epoch"], "{:.1f}"))]
    for label, show in rows:
        grouped.add_row(label, *[show(stats) for stats in groups.values()])
    grouped.add_row("letters covered 95% CI", *[interval(stats["letters_covered"]["ci_low"],
                                                         stats["letters_covered"]["ci_high"])
                                                for stats in groups.values()])
    return [table, grouped, *comparison_table(result.get("comparisons") or [])]


def comparison_table(rows: list[dict]) -> list:
    """Each group against the first: the difference of means with the half-width of its 95% Welch interval, and
    the Holm-corrected p-value of Welch's t-test (with fewer than 3 runs a side: no test)."""
    if not rows:
        return []
    table = Table(title=f"against {rows[0]['baseline']}", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("figure", no_wrap=True)
    table.add_column("group", no_wrap=True, max_width=28)
    for column in ("diff", "±CI", "p Holm"):
        table.add_column(column, justify="right", no_wrap=True)
    for row in rows:
        table.add_row(row["metric"], row["label"], short(row["diff"]), half_width(row["diff"], row["ci_high"]),
                      p_cell(row))
    return [table, f"diff: group minus {rows[0]['baseline']}; ±CI: half-width of its 95% Welch interval; p: Welch's "
                   f"t-test, Holm-corrected across the {len(rows)} comparisons; * = significant at 0.05; n<3: no "
                   f"test possible"]


# ------------------------------------------------------------------------------------------------ benchmark

def _benchmark_columns(datasets: list[str]) -> list[tuple[str, str, str, str, float]]:
    """(header, dataset, metric, format, scale) per column."""
    columns = []
    for dataset in datasets:
        if dataset == "fonts":
            columns += [("fonts letters", dataset, "letters_covered", "{:.1f}", 1.0),
                        ("fonts FID", dataset, "letter_fid", "{:.0f}", 1.0)]
        else:
            columns += [(f"{dataset} modes", dataset, "modes_captured", "{:.1f}", 1.0),
                        (f"{dataset} HQ %", dataset, "high_quality", "{:.1f}", 100.0),
                        (f"{dataset} rev KL", dataset, "reverse_kl", "{:.2f}", 1.0)]
        columns.append((f"{dataset} s/ep (×)", dataset, "seconds_per_epoch", "", 1.0))
    return columns


def _published_cell(figures: dict, metric: str) -> str:
    key = {"modes_captured": "modes"}.get(metric, metric)
    if key not in figures:
        return ""
    value = figures[key]
    return f"{100 * value:.1f}" if key == "high_quality" else f"{value:.2f}" if key == "reverse_kl" else f"{value:.1f}"


def protocol_caption(report: dict) -> str:
    """Why PacGAN's published rows are (or are not) beside a 2-D dataset's runs."""
    parts = []
    for dataset, protocol in report.get("protocol", {}).items():
        if protocol["pacgan"]:
            parts.append(f"{dataset}: PacGAN's protocol, beside its published means ({PACGAN_PROTOCOL})")
        else:
            parts.append(f"{dataset}: not PacGAN's protocol ({'; '.join(protocol['differences'][:2])}), so its "
                         f"published figures are not shown; the preset pacgan-protocol runs it")
    return "\n".join(parts)


def benchmark_table(report: dict) -> tuple[list[Table], str]:
    """One rich table per dataset (each fits an 80-column terminal), and all datasets side by side as Markdown
    for benchmark.md. PacGAN's published rows only where the report says the runs follow its protocol."""
    table, datasets, seeds = report["table"], report["datasets"], report["seeds"]
    published = report.get("published", {})
    columns = _benchmark_columns(datasets)
    def rows_with(spread_text) -> list[list[str]]:
        rows = []
        for name, row in table.items():
            cells = []
            for _, dataset, metric, fmt, scale in columns:
                cell = row.get(dataset)
                if cell is None:
                    cells.append("")
                elif metric == "seconds_per_epoch":
                    seconds, cost = cell[metric]["mean"], cell.get("cost_vs_vanilla")
                    cells.append(("n/a" if seconds is None else f"{seconds:.1f}") + (f" ({cost:.1f}×)" if cost else ""))
                else:
                    cells.append(spread_text(cell[metric], fmt, scale))
            rows.append([name, *cells])
        for name, by_dataset in published.items():
            if any(by_dataset.get(dataset) for dataset in datasets):
                rows.append([name, *[_published_cell(by_dataset.get(dataset, {}), metric)
                                     if metric != "seconds_per_epoch" else "" for _, dataset, metric, _, _ in columns]])
        return rows

    rows = rows_with(format_spread)  # the terminal's tables: mean ± std (80 columns)
    tables = []
    for dataset in datasets:
        picked = [index for index, column in enumerate(columns) if column[1] == dataset]
        rich_table = Table(title=f"{dataset}: mean ± std over seeds {', '.join(map(str, seeds))}",
                           title_justify="left")
        rich_table.add_column("fixes", overflow="fold")
        for index in picked:
            rich_table.add_column(columns[index][0].removeprefix(f"{dataset} "), justify="right")
        for row in rows:
            cells = [row[1 + index] for index in picked]
            if any(cells):  # the published rows have nothing for the letters
                rich_table.add_row(row[0], *cells)
        tables.append(rich_table)
    tables[-1].caption = "\n".join(filter(None, [
        "the last epoch's evaluation (2-D: 2,500 samples); HQ: high-quality share; s/ep: seconds per epoch, × = "
        "relative to vanilla", protocol_caption(report)]))
    tables[-1].caption_justify = "left"
    # benchmark.md (for READMEs and notes) also gives each mean's 95% t-interval over seeds
    caption = "\n".join(filter(None, ["mean ± std [95% t-interval of the mean] over seeds "
                                       f"{', '.join(map(str, seeds))}", protocol_caption(report)]))
    return tables, markdown(["fixes", *[c[0] for c in columns]], rows_with(format_spread_with_interval)) + \
        f"\n{caption}\n"


def significance_lines(report: dict) -> list[str]:
    """The differences from vanilla that Welch's test (Holm-corrected within each dataset) finds significant."""
    found = [f"  {dataset} {row['metric']}: {row['label']} {row['diff']:+.4g} (95% CI {row['ci_low']:.4g} to "
             f"{row['ci_high']:.4g}, p {row['p_holm']:.3g})"
             for dataset, rows in report.get("comparisons", {}).items() for row in rows if row["significant"]]
    untested = any(row["p"] is None for rows in report.get("comparisons", {}).values() for row in rows)
    head = ("against the baseline (Welch's t-test, Holm-corrected within each dataset; 95% level): "
            + ("" if found else "no significant difference")
            + (" (some not tested: n<3 or no spread)" if untested else ""))
    return [head, *found]
