"""`sendreport compare`: the comparison edition from DfE's published figures (SPEC 8).

Real runs of the command on the shipped params files. Every figure is checked
against the bundled DfE file read here with the csv module, not through the
package's loader.
"""

from __future__ import annotations

import csv
import html
import json
import math
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pikepdf
import pytest
from scipy import stats

from sendreport.guard import pdf_text_pages

SENDREPORT = str(Path(sys.executable).parent / "sendreport")
ROOT = Path(__file__).resolve().parents[2]


def sendreport(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([SENDREPORT, *args], capture_output=True, text=True, cwd=cwd,
                          check=False, timeout=600)


def dfe_rows(year: int) -> list[dict]:
    with resources.as_file(resources.files("sendreport") / "data" / "dfe_ehcp_timeliness.csv") \
            as path, path.open(newline="", encoding="utf-8") as fh:
        return [row for row in csv.DictReader(fh) if row["year"] == str(year)]


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare")
    made = {}
    for name in ("east-midlands", "england"):
        result = sendreport("compare", str(ROOT / "params" / f"compare-{name}.yaml"),
                            "--output-dir", str(out))
        assert result.returncode == 0, result.stderr
        made[name] = out / f"compare-{name}" / "2024"
    return made


def test_the_folder_holds_the_edition(editions):
    for folder in editions.values():
        assert sorted(p.name for p in folder.iterdir()) == [
            "authorities.csv", "limits.csv", "manifest.json", "report.html", "report.pdf",
            "years.csv"]
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["edition"] == "compare"
        assert set(manifest["outputs"]) == {"authorities.csv", "limits.csv", "report.html",
                                            "report.pdf", "years.csv"}


@pytest.mark.parametrize("name", ["east-midlands", "england"])
def test_the_pdf_is_tagged_with_alt_text_and_marked(editions, name):
    pdf_path = editions[name] / "report.pdf"
    with pikepdf.open(pdf_path) as pdf:
        assert pdf.Root.MarkInfo.Marked
        assert str(pdf.Root.Lang) == "en-GB"
        assert "/StructTreeRoot" in pdf.Root
        assert "within 20 weeks" in str(pdf.docinfo["/Title"])
        alts, stack = [], [pdf.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Array):
                stack.extend(node)
            elif isinstance(node, pikepdf.Dictionary):
                if node.get("/S") == "/Figure":
                    alts.append(str(node.get("/Alt", "")))
                if "/K" in node:
                    stack.append(node.K)
    assert alts and all(a.startswith("Funnel plot of") for a in alts)
    pages = pdf_text_pages(pdf_path.read_bytes())
    assert all("OFFICIAL" in page and f"of {len(pages)}" in page for page in pages)


def test_every_east_midlands_figure_is_dfe_s(editions):
    dfe = [r for r in dfe_rows(2024) if r["geographic_level"] == "Local authority"
           and r["region_name"] == "East Midlands"]
    table = {r["la_code"]: r for r in read_csv(editions["east-midlands"] / "authorities.csv")}
    assert set(table) == {r["la_code"] for r in dfe}
    text = " ".join(pdf_text_pages((editions["east-midlands"] / "report.pdf").read_bytes()))
    text = " ".join(text.split())
    for row in dfe:
        ours = table[row["la_code"]]
        assert float(ours["plans_issued"]) == int(row["plans_issued_excl"])
        assert float(ours["within_20wk"]) == int(row["within_20wk_excl"])
        assert round(float(ours["rate"]) * 100, 1) == float(row["pct_excl"])
        assert f"{float(row['pct_excl']):.1f}" in text
    england = next(r for r in dfe_rows(2024) if r["geographic_level"] == "National")
    assert "84,866 39,407 46.4" in text and england["pct_excl"] == "46.4"
    region = next(r for r in dfe_rows(2024) if r["geographic_level"] == "Regional"
                  and r["region_name"] == "East Midlands")
    assert f"{int(region['plans_issued_excl']):,} {int(region['within_20wk_excl']):,}" in text


def test_england_has_every_authority_and_the_regions(editions):
    dfe = [r for r in dfe_rows(2024) if r["geographic_level"] == "Local authority"]
    table = read_csv(editions["england"] / "authorities.csv")
    assert len(table) == len(dfe) == 153
    text = " ".join(pdf_text_pages((editions["england"] / "report.pdf").read_bytes()))
    for region in {r["region_name"] for r in dfe}:
        assert region in text


def test_the_funnel_limits_are_those_of_the_stated_method(editions):
    """Each authority's limits, recomputed here from its size, England's rate and the
    dispersion the edition prints: exact binomial quantiles from scipy when not
    overdispersed, the random effects widening otherwise."""
    limits = read_csv(editions["east-midlands"] / "limits.csv")
    latest = [r for r in limits if r["year"] == "2024"]
    p0 = float(latest[0]["p0"])
    assert p0 == pytest.approx(39407 / 84866)
    tau2, overdispersed = float(latest[0]["tau2"]), latest[0]["overdispersed"] == "True"
    for row in read_csv(editions["east-midlands"] / "authorities.csv"):
        n = float(row["plans_issued"])
        for level, (low, high) in {"95": (0.025, 0.975), "99_8": (0.001, 0.999)}.items():
            if overdispersed:
                half = stats.norm.ppf(high) * math.sqrt(1 / (4 * n) + tau2)
                t0 = math.asin(math.sqrt(p0))
                want = (math.sin(max(t0 - half, 0)) ** 2,
                        math.sin(min(t0 + half, math.pi / 2)) ** 2)
            else:
                want = tuple(
                    (stats.binom.ppf(p, n, p0) - (stats.binom.cdf(stats.binom.ppf(p, n, p0), n, p0)
                     - p) / stats.binom.pmf(stats.binom.ppf(p, n, p0), n, p0)) / n
                    for p in (low, high))
            assert float(row[f"lower_{level}"]) == pytest.approx(want[0], rel=1e-5)
            assert float(row[f"upper_{level}"]) == pytest.approx(want[1], rel=1e-5)
        rate = float(row["rate"])
        outside = rate < float(row["lower_95"]) or rate > float(row["upper_95"])
        assert (row["position"] != "within") == outside


def test_the_edition_verifies(editions):
    result = sendreport("verify", str(editions["east-midlands"]), "--params",
                        str(ROOT / "params" / "compare-east-midlands.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "report.pdf rerun" in result.stdout and "differs" not in result.stdout


def test_an_area_s_own_pack_is_placed_beside_and_marked_unpublished(tmp_path):
    kpis = tmp_path / "kpis.csv"
    kpis.write_text(
        "kpi_id,service,period_start,period_end,value,numerator,denominator,unit,suppressed\n"
        "ehcp_20wk_excl,,2025-01-01,2025-06-30,41.2,84,204,%,False\n")
    params = tmp_path / "c.yaml"
    params.write_text("scope: East Midlands\nyears: [2024]\n"
                      "packs:\n  - {la_code: '831', kpis: kpis.csv}\n")
    result = sendreport("compare", str(params), "--output-dir", str(tmp_path / "out"),
                        "--no-pdf")
    assert result.returncode == 0, result.stderr
    rows = read_csv(tmp_path / "out" / "compare-east-midlands" / "2024" / "authorities.csv")
    own = [r for r in rows if r["unpublished"] == "True"]
    assert len(own) == 1 and own[0]["la_name"] == "Derby"
    assert float(own[0]["plans_issued"]) == 204 and "unpublished" in own[0]["source"]
    assert own[0]["period"] == "2025-01-01 to 2025-06-30"
    published = {r["period"] for r in rows if r["unpublished"] == "False"}
    assert published == {"2024-01-01 to 2024-12-31"}
    html = (tmp_path / "out" / "compare-east-midlands" / "2024" / "report.html").read_text()
    assert "Derby (own pack, unpublished, 1 January 2025 to 30 June 2025)" in html


@pytest.mark.parametrize(("scope", "words"), [
    ("Wessex", "'Wessex' is not England, a region"),
    ("['E06000015', 'NOTACODE']", "unknown local authority codes ['NOTACODE']"),
])
def test_an_unknown_scope_exits_2_naming_it(tmp_path, scope, words):
    params = tmp_path / "c.yaml"
    params.write_text(f"scope: {scope}\nyears: [2024]\n")
    result = sendreport("compare", str(params), "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 2
    assert words in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def html_text(folder: Path) -> str:
    """The edition's HTML as the words a reader sees (tags dropped, spaces collapsed)."""
    text = re.sub(r"<style.*?</style>|<[^>]+>", " ",
                  (folder / "report.html").read_text("utf-8"), flags=re.S)
    return " ".join(html.unescape(text).split())


def test_an_authority_s_place_is_the_same_in_the_regional_and_england_editions(editions):
    """Both editions compare with England's rate; the overdispersion is England's too, so
    the limits, the place and the years outside do not depend on the scope."""
    england = {r["la_code"]: r for r in read_csv(editions["england"] / "authorities.csv")}
    for row in read_csv(editions["east-midlands"] / "authorities.csv"):
        theirs = england[row["la_code"]]
        for column in ("lower_95", "upper_95", "lower_99_8", "upper_99_8", "position"):
            assert row[column] == theirs[column], (row["la_name"], column)
        # England's edition checks 2019 and 2024 only
        ours = [y for y in row["years_outside_95"].split(", ") if y[:4] in ("2019", "2024")]
        assert ", ".join(ours) == theirs["years_outside_95"], row["la_name"]
    for year in ("2019", "2024"):
        phi = {name: {r["phi"] for r in read_csv(folder / "limits.csv") if r["year"] == year}
               for name, folder in editions.items()}
        assert phi["east-midlands"] == phi["england"]


def test_the_edition_names_who_is_outside_which_limits_in_words(editions):
    for name, folder in editions.items():
        rows = read_csv(folder / "authorities.csv")
        text = html_text(folder)
        for side in ("above", "below"):
            names = [r["la_name"] for r in rows if r["position"] == f"{side} 95%"]
            assert (f"{side.title()} the 95% limits (not the 99.8%): "
                    f"{', '.join(names) or 'none'}") in text, name
        assert ("calendar years 2019 and 2024" if name == "england"
                else "calendar years 2019 to 2024") in text
        checked = ", ".join(str(y) for y in json.loads(
            (folder / "manifest.json").read_text())["years"])
        assert f"Years checked: {checked};" in text
    england = html_text(editions["england"])
    outside = sum(r["position"] not in ("within", "") for r in
                  read_csv(editions["england"] / "authorities.csv"))
    assert outside > 12
    assert f"The {outside} authorities outside the 95% limits are too many to name" in england


def test_authorities_without_a_rate_are_named_with_dfe_s_reason(editions):
    """Dorset and the City of London recorded every 2024 plan as an exception (DfE's file:
    plans issued including exceptions, none excluding them)."""
    text = html_text(editions["england"])
    dfe = {r["la_name"]: r for r in dfe_rows(2024) if r["geographic_level"] == "Local authority"}
    rated = [r for r in dfe.values() if int(r["plans_issued_excl"] or 0) > 0]
    assert f"of the {len(rated)} authorities with a rate were within" in text
    for name in ("City of London", "Dorset"):
        assert dfe[name]["plans_issued_excl"] == "0"
        plans = int(dfe[name]["plans_issued"])
        assert (f"{name}: every one of its {plans:,} plans was recorded as an exception, so DfE "
                "gives no rate excluding exceptions.") in text
    notes = {r["la_name"]: r["note"] for r in read_csv(editions["england"] / "authorities.csv")}
    assert notes["Dorset"].startswith("every one of its 585 plans was recorded as an exception")
    assert notes["Derby"] == ""
    assert ("No change since 2019 for North Northamptonshire, West Northamptonshire: no "
            "published rate for them in 2019") in html_text(editions["east-midlands"])


def test_the_edition_explains_the_widened_limits_without_overclaiming(editions):
    for folder in editions.values():
        text = html_text(folder)
        assert "How to read the funnel plot" in text
        assert "far more than chance alone explains" in text
        assert "not evidence that it does as well as England" in text
        # inside widened limits is not "no more than chance would give"
        assert "no more than chance would give" not in text


def test_table_words_and_headers_do_not_read_as_rates(editions):
    page = (editions["east-midlands"] / "report.html").read_text("utf-8")
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", page)
    assert "below the 95% limits" in cells and "above the 95% limits" in cells
    assert not {"below 95%", "above 95%", "below 99.8%", "above 99.8%"} & set(cells)
    text = html_text(editions["east-midlands"])
    assert "Rank of 10 (possible range)" in text
    assert "Change since 2019 (percentage points, 95% interval)" in text
    assert "Every authority in scope, calendar year 2024 (DfE published); rank 1 is the" in text
    alt = html.unescape(re.search(r'<img[^>]* alt="([^"]*)"', page).group(1))
    assert alt.startswith("Funnel plot of EHC plans issued within 20 weeks")
    assert "Above the 95% limits (not the 99.8%): Lincolnshire." in alt
    assert "Below the 95% limits (not the 99.8%): Leicestershire." in alt


def test_england_s_table_is_grouped_by_region_and_stays_short(editions):
    """A regional adviser finds their authorities under their region; 153 rows on one line
    each where they fit (13 pages when every interval wrapped)."""
    page = (editions["england"] / "report.html").read_text("utf-8")
    body = page[page.index("Every authority in scope, calendar year"):]
    body = html.unescape(body[body.index("<tbody>"):body.index("</table>")])
    region, seen = None, {}
    for kind, text in re.findall(r'<tr( class="group")?>\s*<th[^>]*>([^<]*)</th>', body):
        if kind:
            region = text
        else:
            seen[text] = region
    dfe = {r["la_name"]: r["region_name"] for r in dfe_rows(2024)
           if r["geographic_level"] == "Local authority"}
    assert seen == dfe
    assert "by region; rank 1 is the highest rate" in html_text(editions["england"])
    east_midlands = (editions["east-midlands"] / "report.html").read_text("utf-8")
    assert 'class="group"' not in east_midlands
    assert len(pdf_text_pages((editions["england"] / "report.pdf").read_bytes())) <= 10


def test_a_list_scope_counts_authorities_not_codes():
    """Derby listed by its nine-character and its three-digit code is one authority."""
    from sendreport.benchmarks import load_dfe_timeliness
    from sendreport.compare.params import CompareParams, resolve_scope

    dfe = load_dfe_timeliness()
    assert resolve_scope(CompareParams(scope=["E06000015", "831", "830"], years=[2024]),
                         dfe)[0] == "2 local authorities"
    assert resolve_scope(CompareParams(scope=["831"], years=[2024]), dfe)[0] == "1 local authority"


def test_england_s_and_the_region_s_change_stand_beside_the_authorities(editions):
    """An authority's fall reads differently when England fell too: the change of England
    and the region since the first year, from DfE's counts."""
    text = html_text(editions["east-midlands"])
    assert "Change since 2019 (percentage points)" in text
    for level, region in (("National", ""), ("Regional", "East Midlands")):
        rates = []
        for year in (2019, 2024):
            row = next(r for r in dfe_rows(year) if r["geographic_level"] == level
                       and r["region_name"] == region)
            rates.append(int(row["within_20wk_excl"]) / int(row["plans_issued_excl"]))
        name = region or "England"
        assert f"{name} {int(row['plans_issued_excl']):,} {int(row['within_20wk_excl']):,} " \
               f"{float(row['pct_excl']):.1f} {(rates[1] - rates[0]) * 100:+.1f}" in text
