"""`gentool report`: static HTML for a run, several runs, a sweep and a benchmark, checked in headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.io.figures import plt, save_figure

from helpers import TINY_2D_ARGS, TINY_VAE

runner = CliRunner()
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def invoke(args, data_dir):
    return runner.invoke(app, args, env={"GENTOOL_DATA_DIR": str(data_dir)})


@pytest.fixture(scope="module")
def runs(tmp_path_factory, data_dir):
    """A ring8 GAN run with coverage measured, and a tiny drum VAE run with two sampled patterns (WAV, MIDI) and
    its posterior-collapse analysis."""
    folder = tmp_path_factory.mktemp("report-runs")
    gan = folder / "ring"
    assert invoke(["gan", "train", "--dataset", "ring8", "--epochs", "2", *TINY_2D_ARGS, "--out", str(gan), "-q"],
                  data_dir).exit_code == 0
    assert invoke(["gan", "coverage", "--run", str(gan), "-q"], data_dir).exit_code == 0
    config = folder / "tiny.yaml"
    config.write_text(yaml.safe_dump(TINY_VAE))
    vae = folder / "drums"
    assert invoke(["vae", "train", "--config", str(config), "--out", str(vae), "-q"], data_dir).exit_code == 0
    assert invoke(["vae", "sample", "--run", str(vae), "--style", "jazz", "--n", "2", "-q"], data_dir).exit_code == 0
    assert invoke(["vae", "analyze", "--run", str(vae), "-q"], data_dir).exit_code == 0
    return {"gan": gan, "vae": vae}


def make_sweep(folder: Path, run: Path) -> Path:
    """A sweep folder as `gentool sweep` writes it: two finished cells (copies of a real run), one failed, one
    pending, groups with intervals, one comparison and a figure."""
    sweep = folder / "sweep"
    (sweep / "figures").mkdir(parents=True)
    cells = []
    for name, lr, seed in (("lr0.001-s0", 0.001, 0), ("lr0.01-s0", 0.01, 0)):
        shutil.copytree(run, sweep / "cells" / name)
        cells.append({"name": name, "path": f"cells/{name}", "params": {"optim.lr": lr}, "seed": seed,
                      "status": "done", "reason": None, "metrics": {"modes_captured": 3 + seed, "high_quality": 0.4},
                      "seconds": 1.5, "device": {"device": "cuda:0", "gpu": "NVIDIA H100", "host": "node-2",
                                                 "cuda_visible_devices": str(len(cells))},
                      "instrument": {"name": "letter-evaluator", "version": 7, "sha256": "ab" * 32,
                                     "source": "shipped"}})
    failed = sweep / "cells" / "lr0.1-s0"
    shutil.copytree(run, failed)
    summary = json.loads((failed / "summary.json").read_text())
    (failed / "summary.json").write_text(json.dumps({**summary, "status": "failed",
                                                     "message": "loss_d became nan in epoch 2"}))
    cells.append({"name": "lr0.1-s0", "path": "cells/lr0.1-s0", "params": {"optim.lr": 0.1}, "seed": 0,
                  "status": "failed", "reason": "loss_d became nan in epoch 2", "metrics": {}, "seconds": 0.4})
    cells.append({"name": "lr0.1-s1", "path": "cells/lr0.1-s1", "params": {"optim.lr": 0.1}, "seed": 1,
                  "status": "pending", "reason": None, "metrics": {}, "seconds": None})
    groups = [{"label": "optim.lr=0.001", "params": {"optim.lr": 0.001}, "n": 1,
               "metrics": {"modes_captured": {"mean": 3.0, "std": 0.0, "ci_low": 3.0, "ci_high": 3.0}}},
              {"label": "optim.lr=0.01", "params": {"optim.lr": 0.01}, "n": 1,
               "metrics": {"modes_captured": {"mean": 3.0, "std": 0.0, "ci_low": 2.0, "ci_high": 4.5}}}]
    comparisons = [{"label": "optim.lr=0.01", "baseline": "optim.lr=0.001", "metric": "modes_captured", "diff": 0.0,
                    "ci_low": -1.0, "ci_high": 1.5, "p": 0.81, "p_holm": 0.95, "significant": False,
                    "note": "one seed"}]
    (sweep / "sweep.json").write_text(json.dumps({
        "family": "gan", "grid": {"optim.lr": [0.001, 0.01, 0.1]}, "seeds": [0, 1],
        "metrics": ["modes_captured", "high_quality"], "cells": cells, "groups": groups,
        "comparisons": comparisons}))
    (sweep / "sweep.yaml").write_text(yaml.safe_dump({"family": "gan", "grid": {"optim.lr": [0.001, 0.01, 0.1]},
                                                      "seeds": 2, "base": {"dataset": "ring8"}}))
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar(["0.001", "0.01"], [3, 3])
    save_figure(fig, sweep / "figures" / "modes_captured.png")
    return sweep


class Links(HTMLParser):
    """Every src and href of a page."""

    def __init__(self):
        super().__init__()
        self.targets: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.targets.append((tag, value))


def local_targets(page: Path) -> list[tuple[str, Path]]:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return [(tag, page.parent / value.split("#")[0]) for tag, value in parser.targets]


# a script added to a copy of the page only (the report itself has none): it records script errors, console errors
# and resources that fail to load, then writes what it found into the page for --dump-dom to print
CHECK_SCRIPT = """<script>
window.__problems = [];
window.addEventListener('error', function (e) {
  var t = e.target;
  window.__problems.push(t && t !== window ? 'failed to load ' + (t.currentSrc || t.src || t.href)
                                           : 'error: ' + e.message);
}, true);
var originalError = console.error;
console.error = function () { window.__problems.push('console.error: ' + Array.from(arguments).join(' '));
                              originalError.apply(console, arguments); };
window.addEventListener('load', function () { setTimeout(function () {
  var found = {problems: window.__problems, images: [], audio: []};
  document.querySelectorAll('img').forEach(function (i) {
    found.images.push({src: i.getAttribute('src'), loaded: i.complete && i.naturalWidth > 0}); });
  document.querySelectorAll('audio').forEach(function (a) {
    found.audio.push({src: a.getAttribute('src'), ready: a.readyState, error: a.error ? a.error.code : null,
                      duration: a.duration}); });
  var out = document.createElement('pre'); out.id = 'gentool-check'; out.textContent = JSON.stringify(found);
  document.body.appendChild(out); }, 300); });
</script>"""


def browser() -> str | None:
    return next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)


def in_browser(page: Path, screenshot: Path | None = None) -> dict:
    """Load `page` in headless Chromium; returns what the check script saw. Images are loaded eagerly here, so a
    lazy image below the fold is checked too."""
    binary = browser()
    checked = page.with_name(f".check-{page.name}")
    html = page.read_text(encoding="utf-8").replace(' loading="lazy"', "")
    checked.write_text(html.replace("<head>", "<head>" + CHECK_SCRIPT, 1), encoding="utf-8")
    common = [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--mute-audio",
              "--allow-file-access-from-files", "--virtual-time-budget=5000"]
    try:
        dumped = subprocess.run([*common, "--dump-dom", checked.as_uri()], capture_output=True, text=True,
                                timeout=120)
        if screenshot is not None:
            subprocess.run([*common, "--window-size=1280,1800", f"--screenshot={screenshot}", page.as_uri()],
                           capture_output=True, timeout=120)
    finally:
        checked.unlink()
    start = dumped.stdout.find('<pre id="gentool-check">')
    assert start >= 0, f"the check script did not run: {dumped.stderr[-2000:]}"
    body = dumped.stdout[start + len('<pre id="gentool-check">'):dumped.stdout.index("</pre>", start)]
    return json.loads(body.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&"))


def assert_page_is_sound(page: Path, screenshot: Path | None = None, audio: int = 0) -> dict:
    for tag, target in local_targets(page):
        assert target.exists(), f"{page.name}: <{tag}> points to missing {target}"
    found = in_browser(page, screenshot)
    assert found["problems"] == [], found["problems"]
    broken = [image["src"] for image in found["images"] if not image["loaded"]]
    assert not broken, f"broken images: {broken}"
    assert len(found["audio"]) == audio
    for player in found["audio"]:
        assert player["error"] is None and player["ready"] >= 1 and player["duration"] > 0, player
    if screenshot is not None:
        assert screenshot.stat().st_size > 10_000  # a rendered page, not a blank one
    return found


needs_browser = pytest.mark.skipif(browser() is None, reason="no chromium binary (CI installs Debian's chromium; "
                                                             "here: apt-get install chromium)")


@needs_browser
def test_run_report_loads_in_a_browser_with_figures_tables_and_audio(runs, data_dir, tmp_path):
    out = tmp_path / "report"
    result = invoke(["report", str(runs["vae"]), "--out", str(out), "--json"], data_dir)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["report"] == str(out / "index.html")
    page = out / "index.html"
    html = page.read_text()
    assert "<h2>Command</h2>" in html and "config.yaml" in html and "z_high" in html  # the resolved config
    assert "samples/jazz/samples.json" in html and "of bars classified as jazz" in html  # vae sample's lines
    # vae sample's two patterns and the bar of each of the five genres the run wrote at its end
    assert html.count("<audio") == 7 and html.count('.mid" download') == 7
    found = assert_page_is_sound(page, tmp_path / "run.png", audio=7)
    assert any(image["src"].endswith("plots/metrics.svg") for image in found["images"])
    assert any("figures/kl_per_dimension.png" in image["src"] for image in found["images"])
    assert any("samples/jazz/jazz_01.png" in image["src"] for image in found["images"])  # the piano roll
    assert "posterior collapse" in html and "active" in html  # posterior_collapse.json as `vae analyze` prints it


@needs_browser
def test_sweep_report_links_every_cell_and_loads_in_a_browser(runs, data_dir, tmp_path):
    sweep = make_sweep(tmp_path, runs["gan"])
    out = tmp_path / "sweep-report.html"
    result = invoke(["report", str(sweep), "--out", str(out)], data_dir)
    assert result.exit_code == 0, result.output
    html = out.read_text()
    for text in ("lr0.001-s0", "optim.lr", "pending", "loss_d became nan", "[2, 4.5]", "0.95", "one seed",
                 "modes_captured.png", "cuda:0 (NVIDIA H100; CUDA_VISIBLE_DEVICES=1) on node-2", "measured by",
                 "letter-evaluator v7 (shipped, sha256 abababababab)"):
        assert text in html, text
    assert_page_is_sound(out, tmp_path / "sweep.png")
    cell_pages = [target for tag, target in local_targets(out) if tag == "a" and target.name == "index.html"]
    assert len(cell_pages) == 3  # the pending cell has no folder, so no page
    failed = next(page for page in cell_pages if "lr0.1-s0" in str(page))
    assert "loss_d became nan" in failed.read_text() and "status-failed" in failed.read_text()
    assert_page_is_sound(cell_pages[0])


def test_an_interrupted_or_running_run_without_summary_still_gets_a_page(runs, data_dir, tmp_path):
    run = tmp_path / "cut"
    shutil.copytree(runs["gan"], run)
    (run / "summary.json").unlink()
    records = (run / "metrics.jsonl").read_text().splitlines()
    (run / "metrics.jsonl").write_text(records[0] + "\n" + records[1][:30])  # killed while writing epoch 2
    result = invoke(["report", str(run), "--out", str(tmp_path / "r")], data_dir)
    assert result.exit_code == 0, result.output
    html = (tmp_path / "r" / "index.html").read_text()
    assert "no summary" in html and "1 epoch records so far" in html and "Last record so far" in html
    assert (tmp_path / "r" / "files" / "runs" / "cut" / "plots" / "metrics.svg").is_file()
    (run / "run.lock").write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                              "started": "today", "command": "gentool gan train"}))
    result = invoke(["report", str(run), "--out", str(tmp_path / "r")], data_dir)  # replaces the earlier report
    assert result.exit_code == 0, result.output
    assert f"process {os.getpid()} on {socket.gethostname()}" in (tmp_path / "r" / "index.html").read_text()


def test_several_runs_share_one_page_with_overlaid_metrics(runs, data_dir, tmp_path):
    other = tmp_path / "ring-again"
    shutil.copytree(runs["gan"], other)
    result = invoke(["report", str(runs["gan"]), str(other), "--out", str(tmp_path / "r")], data_dir)
    assert result.exit_code == 0, result.output
    html = (tmp_path / "r" / "index.html").read_text()
    assert "files/runs/ring/index.html" in html and "files/runs/ring-again/index.html" in html
    assert "loss_d" in html and (tmp_path / "r" / "files" / "plots" / "overlay.svg").is_file()
    coverage = (tmp_path / "r" / "files" / "runs" / "ring" / "index.html").read_text()
    assert "modes captured" in coverage and "collapsed" in coverage  # coverage.json beside its baselines
    assert "recall (k-NN)" in coverage and "density (k-NN)" in coverage


def test_a_benchmark_folder_shows_its_table_and_a_page_per_run(data_dir, tmp_path):
    bench = tmp_path / "bench"
    args = ["gan", "benchmark", "--dataset", "ring8", "--fixes", "vanilla", "--seeds", "1", "--set",
            "train.epochs=1", *[a.replace("points.samples", "ring8:points.samples") for a in TINY_2D_ARGS],
            "--out", str(bench), "-q"]
    assert invoke(args, data_dir).exit_code == 0
    result = invoke(["report", str(bench), "--out", str(tmp_path / "r")], data_dir)
    assert result.exit_code == 0, result.output
    html = (tmp_path / "r" / "index.html").read_text()
    assert "not PacGAN&#39;s protocol" in html.replace("'", "&#39;") and "ring8/vanilla-s0" in html
    assert (tmp_path / "r" / "files" / "runs" / "ring8-vanilla-s0" / "index.html").is_file()


def test_report_refuses_what_it_cannot_show_and_never_overwrites_other_files(runs, data_dir, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke(["report", str(empty)], data_dir)
    assert result.exit_code == 2 and "not a run, sweep or benchmark folder" in result.output
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    result = invoke(["report", str(runs["gan"]), "--out", str(taken)], data_dir)
    assert result.exit_code == 2 and "is not a gentool report" in result.output
    assert (taken / "notes.txt").read_text() == "mine"
    again = tmp_path / "again"
    for _ in range(2):  # an earlier report is replaced
        assert invoke(["report", str(runs["gan"]), "--out", str(again)], data_dir).exit_code == 0
    run = tmp_path / "run-with-its-report"
    shutil.copytree(runs["gan"], run)
    for _ in range(2):  # a report inside the run folder does not show its own copies
        assert invoke(["report", str(run), "--out", str(run / "report")], data_dir).exit_code == 0
    html = (run / "report" / "index.html").read_text()
    assert html.count('alt="figures/modes.png"') == 1


def test_report_without_jinja2_exits_2_naming_the_install(runs, data_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "jinja2", None)
    result = invoke(["report", str(runs["gan"]), "--out", str(tmp_path / "r")], data_dir)
    assert result.exit_code == 2 and "pip install" in result.output and "jinja2" in result.output
    assert not (tmp_path / "r").exists()


def test_plots_are_valid_svg_with_round_ticks_and_survive_gaps_and_flat_lines(tmp_path):
    import xml.etree.ElementTree as ElementTree

    from gentool.report.plots import metrics_plot, nice_ticks

    assert nice_ticks(0.0, 1.0) == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert nice_ticks(0.5, 3.5, whole=True) == [1.0, 2.0, 3.0]
    series = {"loss": ([1, 2, 3], [1.0, float("nan"), 0.5]), "flat": ([1, 2, 3], [2.0, 2.0, 2.0]),
              "coverage <26>": ([3], [0.9])}
    path = metrics_plot(series, tmp_path / "m.svg")
    root = ElementTree.parse(path).getroot()  # well-formed, names escaped
    svg = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{svg}polyline")) == 2  # the single-point metric is a marker only
    assert "coverage <26>" in [text.text for text in root.iter(f"{svg}text")]
    assert len(root.findall(f"{svg}circle")) == 2 + 3 + 1  # NaN left out


def test_letter_runs_side_by_side_name_their_instruments_and_refuse_to_mix_baselines(tmp_path):
    from gentool.report.side_by_side import side_by_side

    def measured(name, instrument, fid):
        folder = tmp_path / name
        (folder / "samples").mkdir(parents=True, exist_ok=True)
        (folder / "samples" / "epoch_0004.png").write_bytes(b"")
        model = {"letters_covered": 20, "confident_share": 0.4, "not_letter_share": 0.3, "entropy": 0.9,
                 "letter_fid": fid}
        coverage = {"kind": "letters", "model": model, "samples": 2600, "seed": 0, "instrument": instrument,
                    "baselines": {"real": {**model, "letters_covered": 26, "letter_fid": fid / 30}}}
        return {"name": name, "label": None, "folder": folder, "coverage": coverage}

    shipped = {"name": "letter-evaluator", "version": 7, "sha256": "a" * 64, "source": "shipped"}
    local = {**shipped, "sha256": "b" * 64, "source": "local"}
    same = side_by_side([measured("one", shipped, 300.0), measured("two", shipped, 300.0)])
    assert same["instruments"] == ["measured by letter-evaluator v7 (shipped, sha256 aaaaaaaaaaaa)"] * 2
    headers = [column["header"] for column in same["table"]["columns"]]
    assert same["instruments_note"] is None and headers == ["", "one", "two", "real"]
    assert same["rows"][0]["images"] == ["samples/epoch_0004.png"] * 2
    mixed = side_by_side([measured("one", shipped, 300.0), measured("two", local, 250.0)])
    assert mixed["instruments"][1] == "measured by letter-evaluator v7 (local, sha256 bbbbbbbbbbbb)"
    assert "2 different instruments" in mixed["instruments_note"]
    # each instrument read its own baselines, so none is shown for both
    assert [column["header"] for column in mixed["table"]["columns"]] == ["", "one", "two"]
    assert side_by_side([measured("one", shipped, 300.0)]) is None
