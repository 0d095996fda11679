"""`cskpi html` opened in headless Chromium: no network request, no console error, a screenshot
that is not blank, Chinese labels drawn with a CJK font, and the numbers on the page checked
against the reference implementation (spec_reference.py, pandas) and the JSON report."""
import io
import json
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from PIL import Image

sys.path.insert(0, os.path.dirname(__file__))
import spec_reference as ref  # noqa: E402
from browser import Browser  # noqa: E402

CLI = os.environ.get("CSKPI_CLI", "cskpi")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "examples", "data", "shop_interactions.csv")
CONFIG = os.path.join(ROOT, "examples", "data", "shop_config.json")
EX = os.path.join(ROOT, "examples", "data")


def html(tmp_path, *args, data=DATA, name="report.html"):
    out = tmp_path / name
    r = subprocess.run([CLI, "html", data, "--output", str(out), *args], capture_output=True, text=True)
    return r, out


@pytest.fixture(scope="module")
def browser():
    with Browser() as b:
        yield b


@pytest.fixture(scope="module")
def sample_page(tmp_path_factory, browser):
    tmp = tmp_path_factory.mktemp("dash")
    r, out = html(tmp, "--config", CONFIG, "--scorecard", os.path.join(EX, "shop_scorecard.json"),
                  "--reviews", os.path.join(EX, "shop_reviews.csv"), "--rubric", os.path.join(EX, "shop_rubric.json"))
    assert r.returncode == 0, r.stderr
    browser.open(out.as_uri())
    return out, browser


# Formatting as docs/REPORTS.md states it, written again here.
def clock(s):
    t = round(abs(s))
    d, h, m, sec = t // 86400, t % 86400 // 3600, t % 3600 // 60, t % 60
    if d:
        return f"{d}d {h:02d}:{m:02d}:{sec:02d}"
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def shown(value, column):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2013"
    if column == "interactions":
        return f"{round(value):,}"
    if column.endswith("median"):
        return clock(value)
    return f"{value * 100:.1f}%"


def test_page_makes_no_request_and_logs_no_error(sample_page):
    out, b = sample_page
    assert b.requests() == [out.as_uri()]
    assert b.errors() == []
    assert b.evaluate("document.querySelectorAll('script').length") == 0


def test_screenshot_is_not_blank(sample_page):
    _, b = sample_page
    img = Image.open(io.BytesIO(b.screenshot())).convert("RGB")
    assert img.height > 2000  # the whole page, every section
    colours = img.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50
    # Chart blue (#2f6fb0) covers a visible area: the bars were drawn.
    px = np.asarray(img)
    assert ((abs(px[..., 0].astype(int) - 0x2F) < 8) & (abs(px[..., 1].astype(int) - 0x6F) < 8)
            & (abs(px[..., 2].astype(int) - 0xB0) < 8)).sum() > 5000


def test_tiles_match_the_reference_report(sample_page):
    _, b = sample_page
    tiles = b.evaluate("""JSON.stringify([...document.querySelectorAll('#tiles .tiles')].map(row => ({
        team: row.dataset.overall ? '*' : row.dataset.team,
        tiles: Object.fromEntries([...row.querySelectorAll('.tile')].map(t =>
            [t.dataset.metric, t.querySelector('.value').textContent]))})))""")
    tiles = {r["team"]: r["tiles"] for r in json.loads(tiles)}
    with open(CONFIG) as f:
        user = json.load(f)
    _, _, groups = ref.report(DATA, user, ["team"])
    assert len(tiles) == len(groups)
    for key, m in groups:
        team = "*" if not key else ("null" if key["team"] is None else key["team"])
        for column in ("interactions", "frt_median", "sla_frt", "resolution_rate", "fcr_rate", "csat", "complaint_rate"):
            assert tiles[team][column] == shown(m[column], column), (team, column)


def test_tile_changes_compare_the_last_two_complete_weeks(sample_page):
    _, b = sample_page
    meta = b.evaluate("document.querySelector('#tiles .meta').textContent")
    # March 2026 runs Sunday 1 to Tuesday 31: complete ISO weeks are W10..W13.
    assert "2026-W13" in meta and "2026-W12" in meta
    cfg, d = ref.accepted_facts(DATA, CONFIG)
    d["week"] = ref.bucket_labels(d["created"], cfg["timezone"], "week")
    now, before = (d["week"] == "2026-W13").sum(), (d["week"] == "2026-W12").sum()
    change = b.evaluate("document.querySelector('#tiles [data-overall] [data-metric=interactions] .change').textContent")
    assert change.endswith(f"{(now - before) / before * 100:+.0f}%")
    med = lambda w: np.median(d.loc[(d["week"] == w) & d["frt"].notna(), "frt"].to_numpy() / 1e6)
    delta = med("2026-W13") - med("2026-W12")
    change = b.evaluate("document.querySelector('#tiles [data-overall] [data-metric=frt_median] .change').textContent")
    assert change.split(" ")[-1] == ("+" if delta >= 0 else "-") + clock(abs(delta))


def test_frt_histogram_counts_match_numpy(sample_page):
    _, b = sample_page
    cells = json.loads(b.evaluate("""JSON.stringify([...document.querySelectorAll('#frt tbody tr')].map(
        r => [...r.children].map(c => c.textContent)))"""))
    cfg, facts = ref.accepted_facts(DATA, CONFIG)
    frt = facts["frt"].dropna().to_numpy() / 1e6
    edges = [0, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 28800, 86400, np.inf]
    counts, _ = np.histogram(frt, bins=edges)
    assert [int(c[1].replace(",", "")) for c in cells] == list(counts)
    assert cells[0][0] == "0\u201310s" and cells[-1][0] == "\u22651d"
    shown_p = {e: b.evaluate(f"document.querySelector('#frt b[data-metric={e}]').textContent")
               for e in ("frt_median", "frt_p90")}
    assert shown_p["frt_median"] == clock(np.quantile(frt, 0.5))
    assert shown_p["frt_p90"] == clock(np.quantile(frt, 0.9))


def test_heatmap_and_pareto_match_pandas(sample_page):
    _, b = sample_page
    cfg, d = ref.accepted_facts(DATA, CONFIG)
    t = pd.to_datetime(d["created"] * 1000, utc=True).dt.tz_convert(cfg["timezone"])
    counts = pd.crosstab(t.dt.weekday, t.dt.hour).reindex(index=range(7), columns=range(24), fill_value=0)
    table = json.loads(b.evaluate("""JSON.stringify([...document.querySelectorAll('#heatmap details')][0]
        .querySelectorAll('tbody tr').length ? [...[...document.querySelectorAll('#heatmap details')][0]
        .querySelectorAll('tbody tr')].map(r => [...r.children].slice(1).map(c => c.textContent)) : [])"""))
    assert [[int(x.replace(",", "") or 0) for x in row] for row in table] == counts.to_numpy().tolist()
    pareto = json.loads(b.evaluate("""JSON.stringify([...document.querySelectorAll('#pareto tbody tr')].map(
        r => [...r.children].map(c => c.textContent)))"""))
    comp = d[d["complaint_row"]].groupby("category").size().sort_values(ascending=False, kind="stable")
    assert [(r[0], int(r[1])) for r in pareto] == list(zip(comp.index, comp.to_numpy().tolist()))
    assert pareto[-1][2] == "100.0%"


def test_scorecard_and_qa_sections_match_their_commands(sample_page, tmp_path):
    _, b = sample_page
    card = subprocess.run([CLI, "score", DATA, "--config", CONFIG, "--scorecard", os.path.join(EX, "shop_scorecard.json"),
                           "--format", "json"], capture_output=True, text=True, check=True)
    groups = json.loads(card.stdout)["groups"]
    ranked = sorted((g for g in groups if g.get("rank")), key=lambda g: g["rank"])
    rows = json.loads(b.evaluate("""JSON.stringify([...document.querySelectorAll('#scorecard tbody tr')].map(
        r => [...r.children].slice(0, 4).map(c => c.textContent)))"""))
    for g, row in zip(ranked, rows):
        assert row == [str(g["rank"]), g["by"]["agent"], f"{g['score']:.1f}", g.get("tier") or ""]
    qa = subprocess.run([CLI, "qa", os.path.join(EX, "shop_reviews.csv"), "--rubric", os.path.join(EX, "shop_rubric.json"),
                         "--by", "item", "--format", "csv"], capture_output=True, text=True, check=True)
    items = pd.read_csv(io.StringIO(qa.stdout))
    shown_items = json.loads(b.evaluate("""JSON.stringify([...document.querySelectorAll('#qa tbody tr')].map(
        r => [...r.children].map(c => c.textContent)))"""))
    assert len(shown_items) == len(items)
    order = items.sort_values("mean_percent", kind="stable", na_position="last")
    assert [r[0] for r in shown_items] == order["item"].tolist()
    assert shown_items[0][1] == f"{order['mean_percent'].iloc[0] * 100:.1f}%"


def test_chinese_labels_render_with_a_cjk_font(tmp_path, browser):
    r, out = html(tmp_path, "--config", CONFIG, "--lang", "zh")
    assert r.returncode == 0, r.stderr
    browser.open(out.as_uri())
    assert browser.errors() == []
    assert browser.evaluate("document.querySelector('#tiles h2').textContent") == "各组核心指标"
    fonts = browser.fonts_of("#tiles h3:nth-of-type(2)")  # a team name: 售前组
    assert any(f["glyphCount"] > 0 and any(k in f["familyName"] for k in ("WenQuanYi", "Noto", "CJK")) for f in fonts), fonts


def test_hostile_labels_are_text_and_fetch_nothing(tmp_path, browser):
    data = tmp_path / "x.csv"
    data.write_text("id,created_at,channel,agent,team,category\n"
                    "1,2026-03-02 10:00:00,chat,<img src=http://127.0.0.1:9/x onerror=alert(1)>,"
                    "\"<script>fetch('http://127.0.0.1:9')</script>\",complaint\n")
    r, out = html(tmp_path, data=str(data))
    assert r.returncode == 0, r.stderr
    browser.open(out.as_uri())
    assert browser.requests() == [out.as_uri()]
    assert browser.errors() == []
    assert browser.evaluate("document.querySelectorAll('img, script').length") == 0
    assert "<script>" in browser.evaluate("document.querySelectorAll('#tiles h3')[1].textContent")


def test_rejected_and_unreadable_inputs_still_give_a_page(tmp_path, browser):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,created_at,channel,csat\n1,yesterday,chat,3\n2,2026-03-02 10:00:00,chat,9\n")
    r, out = html(tmp_path, data=str(bad), name="bad.html")
    assert r.returncode == 3  # every row rejected: a failure, and still a page that says why
    browser.open(out.as_uri())
    text = browser.evaluate("document.querySelector('#rejects').textContent")
    assert "created_at" in text and "csat" in text
    assert browser.evaluate("document.querySelector('[data-count=rows_rejected]').textContent") == "2"

    empty = tmp_path / "empty.csv"
    empty.write_text("id,created_at,channel\n")
    r, out = html(tmp_path, data=str(empty), name="empty.html")
    assert r.returncode == 0 and "no data rows" in r.stderr, r.stderr
    browser.open(out.as_uri())
    assert browser.evaluate("document.querySelector('[data-count=rows_read]').textContent") == "0"
    assert "no data rows" in browser.evaluate("document.querySelector('#rejects').textContent")

    nohead = tmp_path / "nohead.csv"
    nohead.write_text("id,created_at\n1,2026-03-02 10:00:00\n")
    r, out = html(tmp_path, data=str(nohead), name="nohead.html")
    assert r.returncode == 3 and "channel" in r.stderr
    browser.open(out.as_uri())
    assert "channel" in browser.evaluate("document.querySelector('#rejects').textContent")
    assert browser.errors() == []


def test_bad_usage_is_exit_2_without_a_page(tmp_path):
    r, out = html(tmp_path, "--period", "year")
    assert r.returncode == 2 and not out.exists()
    cfg = tmp_path / "c.json"
    cfg.write_text('{"timezone": "Mars/Olympus"}')
    r, out = html(tmp_path, "--config", str(cfg))
    assert r.returncode == 2 and "timezone" in r.stderr and not out.exists()


def test_python_dashboard_html_and_plots(tmp_path, browser):
    import matplotlib

    matplotlib.use("Agg")
    import cskpi

    card = os.path.join(EX, "shop_scorecard.json")
    dash = cskpi.dashboard(DATA, config=CONFIG, scorecard=card)
    cfg, d = ref.accepted_facts(DATA, CONFIG)
    assert dash["tiles"][0]["overall"] and dash["tiles"][0]["tiles"]["interactions"]["value"] == len(d)
    assert dash["period"] == {"key": "week", "current": "2026-W13", "previous": "2026-W12",
                              "first_day": "2026-03-01", "last_day": "2026-03-31"}
    assert sum(b["count"] for b in dash["frt_histogram"]) == d["frt"].notna().sum()

    ax = cskpi.plot.frt_distribution(dash)
    assert [p.get_height() for p in ax.patches] == [b["count"] for b in dash["frt_histogram"]]
    ax = cskpi.plot.sla_trend(dash)
    assert len(ax.lines[0].get_xdata()) == 31
    ax = cskpi.plot.heatmap(dash, "interactions")
    grid = ax.images[0].get_array()
    t = pd.to_datetime(d["created"] * 1000, utc=True).dt.tz_convert(cfg["timezone"])
    assert grid.sum() == len(d) and grid[0, 10] == ((t.dt.weekday == 0) & (t.dt.hour == 10)).sum()
    scores = cskpi.score(DATA, card, config=CONFIG)
    ax = cskpi.plot.scorecard(scores)
    ranked = scores[scores["rank"].notna()]
    assert len(ax.patches) == 5 * len(ranked)  # one bar per KPI per ranked agent

    out = tmp_path / "py.html"
    cskpi.html(DATA, out, config=CONFIG, scorecard=card, lang="zh")
    browser.open(out.as_uri())
    assert browser.errors() == [] and browser.requests() == [out.as_uri()]
    assert browser.evaluate("document.querySelectorAll('#scorecard tbody tr').length") == len(scores)
    with pytest.raises(TypeError):
        cskpi.dashboard(pd.read_csv(DATA), config=CONFIG)  # a DataFrame: the dashboard reads files


def test_targets_show_on_tiles_and_in_their_section(tmp_path, browser):
    cfg = tmp_path / "c.json"
    with open(CONFIG) as f:
        doc = json.load(f)
    doc["targets"] = [{"metric": "csat", "period": "2026-03", "value": 0.8},
                      {"metric": "sla_frt", "scope": {"team": "售后组"}, "period": "2026-Q1", "value": 0.6},
                      {"metric": "interactions", "period": "2026", "value": 60000, "split": "days"}]
    cfg.write_text(json.dumps(doc, ensure_ascii=False))
    r, out = html(tmp_path, "--config", str(cfg))
    assert r.returncode == 0, r.stderr
    paced = json.loads(subprocess.run([CLI, "targets", DATA, "--config", str(cfg), "--format", "json"],
                                      capture_output=True, text=True, check=True).stdout)["targets"]
    month = {(t["metric"], json.dumps(t["scope"], ensure_ascii=False)): t for t in paced if t["period"] == "2026-03"}
    browser.open(out.as_uri())
    assert browser.errors() == []
    shown = json.loads(browser.evaluate("""JSON.stringify([...document.querySelectorAll('#tiles .tiles')].flatMap(row =>
        [...row.querySelectorAll('.tile .target')].map(t => [row.dataset.team || '*',
            t.closest('.tile').dataset.metric, t.dataset.status, t.textContent])))"""))
    want = {("*", "csat"): month[("csat", "{}")], ("*", "interactions"): month[("interactions", "{}")],
            ("售后组", "sla_frt"): month[("sla_frt", '{"team": "售后组"}')]}
    assert {(team, m) for team, m, _, _ in shown} == set(want)
    for team, m, status, text in shown:
        t = want[(team, m)]
        assert status == t["status"]
        assert text.startswith("target " + (f"{t['target'] * 100:.1f}%" if m != "interactions" else f"{round(t['target']):,}"))
    # The section lists the sub-periods in progress at as_of: every row with 0 < elapsed < 1.
    rows = json.loads(browser.evaluate("""JSON.stringify([...document.querySelectorAll('#targets tbody tr')].map(
        r => [...r.children].map(c => c.textContent)))"""))
    assert [(x[0], x[2]) for x in rows] == [(t["metric"], t["period"]) for t in paced if 0 < t["elapsed"] < 1]


@pytest.mark.parametrize("period,current,previous", [("day", "2026-03-31", "2026-03-30"), ("month", "2026-03", None)])
def test_other_periods(period, current, previous):
    import cskpi

    dash = cskpi.dashboard(DATA, config=CONFIG, period=period)
    assert (dash["period"]["current"], dash["period"]["previous"]) == (current, previous)
    _, d = ref.accepted_facts(DATA, CONFIG)
    if period == "day":
        day = ref.bucket_labels(d["created"], "Asia/Shanghai", "day")
        tile = dash["tiles"][0]["tiles"]["interactions"]
        assert (tile["current"], tile["previous"]) == ((day == current).sum(), (day == previous).sum())
        assert len(dash["sla_by_day"]) == 31 and len(dash["heatmap"]) > 100
