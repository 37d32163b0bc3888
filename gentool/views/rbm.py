"""What the `rbm` commands print: Gibbs samples' coverage beside baselines, and the likelihood."""

from __future__ import annotations

from rich import box
from rich.table import Table

from gentool.evaluate.instruments import instrument_of
from gentool.evaluate.spread import format_spread
from gentool.views.gan import BASELINE_NOTES, LETTER_FEATURES, LETTER_ROWS, prdc_note
from gentool.views.tables import beside_baselines, cell, markdown


def sample_view(result: dict) -> list[Table | str]:
    table = beside_baselines(
        f"Gibbs samples of {result['checkpoint']} ({result['method']}, H={result['hidden']})",
        f"{result['chains']} chains from uniform noise, {result['gibbs']} Gibbs steps each, scored as their last "
        f"p(v|h); confident at p >= {result['threshold']}; covered at >= {result['model']['min_count']}; entropy "
        f"normalised to 1 = uniform; {prdc_note(result, LETTER_FEATURES)}; baselines: "
        + ", ".join(f"{n} = {BASELINE_NOTES[n]}" for n in result["baselines"]),
        LETTER_ROWS, result)
    missing = result["model"]["missing"]
    return [table, f"missing letters: {''.join(missing) if missing else 'none'}",
            f"measured by {instrument_of(result['instrument']).label()}",
            f"sampled and scored in {result['seconds']:.2f} s; wrote {result['path']} and "
            f"{', '.join(result['figures'])}"]


def likelihood_lines(result: dict) -> list[str]:
    partition = result["partition"]
    if partition["method"] == "exact":
        how = f"log Z = {partition['log_z']:.3f} exact (summed over {partition['hidden_states']:,} hidden states)"
    else:
        how = (f"log Z = {partition['log_z']:.3f} by AIS ({partition['runs']} runs x {partition['steps']} "
               f"temperatures; mean weight ± 3 s.e. gives {cell(partition['log_z_low'], '{:.3f}')} to "
               f"{partition['log_z_high']:.3f}; std of log weights {partition['log_weight_std']:.3f})")
    lines = [f"{result['checkpoint']} ({result['method']}, H={result['hidden']}, letters binarised by "
             f"{result['binarize']}): {how}, {result['seconds']:.1f} s"]
    for split, label in (("train", "training"), ("held_out", "held-out")):
        figures = result[split]
        # no square brackets: the console would read them as markup
        spread = ("" if partition["method"] == "exact" else
                  f" ({figures['log_likelihood_low']:.2f} to {cell(figures['log_likelihood_high'], '{:.2f}')})")
        lines.append(f"{label} log-likelihood: {figures['log_likelihood']:.2f}{spread} nats per image "
                     f"({figures['images']} letters); pseudo-likelihood {figures['pseudo_likelihood']:.2f}")
    lines.append(f"independent pixels at the training frequencies: {result['independent_pixels']:.2f} nats per "
                 f"held-out image")
    return lines + [f"wrote {result['path']}"]


def compare_tables(result: dict) -> tuple[list[Table], str]:
    """Runs, then methods as mean ± std over seeds (rich), and the methods table as Markdown for the README."""
    # no vertical rules and short headers (explained in the title), so ten columns fit an 80-column terminal
    runs = Table(title="runs (LL: held-out log-likelihood, PL: pseudo-likelihood, nats per image; AIS sd: its "
                       "log-weight spread; letters of 26; s: training seconds)", title_justify="left",
                 box=box.SIMPLE_HEAD)
    for column in ("run", "method", "seed", "updates", "LL", "AIS sd", "PL", "letters", "FID", "s"):
        runs.add_column(column, justify="left" if column in ("run", "method") else "right",
                        no_wrap=column != "run", overflow="fold")
    for i in result["runs"]:
        runs.add_row(i["name"], i["method"], str(i["seed"]), str(i["updates"]),
                     cell(i["held_out_log_likelihood"], "{:.1f}"), cell(i["ais_log_weight_std"], "{:.1f}"),
                     cell(i["pseudo_likelihood"], "{:.1f}"),
                     cell(i["letters_covered"], "{}"), cell(i["letter_fid"], "{:.0f}"), f"{i['wall_time_s']:.0f}")
    header = ["method", "runs", "updates", "held-out log-lik. (nats)", "AIS log-weight sd", "pseudo-lik. (nats)",
              "letters covered",
              "entropy", "letter FID", "recognisable", "train time (s)"]
    rows = []
    for name, stats in result["groups"].items():
        rows.append([name, str(stats["runs"]), "/".join(map(str, stats["updates"])),
                     format_spread(stats["held_out_log_likelihood"], "{:.1f}"),
                     format_spread(stats["ais_log_weight_std"], "{:.1f}"),
                     format_spread(stats["pseudo_likelihood"], "{:.1f}"),
                     format_spread(stats["letters_covered"], "{:.1f}"), format_spread(stats["entropy"], "{:.3f}"),
                     format_spread(stats["letter_fid"], "{:.0f}"), format_spread(stats["confident_share"], "{:.2f}"),
                     format_spread(stats["wall_time_s"], "{:.0f}")])
    # methods as columns, figures as rows: eleven figures side by side cannot fit an 80-column terminal
    methods = Table(title="by method: mean ± std over seeds", title_justify="left")
    methods.add_column("")
    for row in rows:
        methods.add_column(row[0], justify="right", overflow="fold")
    for index, label in enumerate(header[1:], 1):
        methods.add_row(label, *[row[index] for row in rows])
    return [runs, methods], markdown(header, rows)
