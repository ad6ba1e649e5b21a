"""kbsite.load.bibtex: .bib text -> CSL-JSON items; each broken entry a warning with its line."""

from __future__ import annotations

from pathlib import Path

from kbsite.load.bibtex import BibCache, parse_bibtex

GOOD = r"""
@inproceedings{dao2022flashattention,
  title     = {{FlashAttention}: Fast and Memory-Efficient Exact Attention with {IO}-Awareness},
  author    = {Dao, Tri and Fu, Daniel Y. and R{\'e}, Christopher},
  booktitle = {Advances in Neural Information Processing Systems},
  pages     = {16344--16359},
  year      = {2022},
  month     = dec,
  eprint    = {2205.14135},
  archivePrefix = {arXiv}
}
@article{mnih2015dqn,
  title   = {Human-Level Control through Deep Reinforcement Learning},
  author  = {Mnih, Volodymyr and {DeepMind Team}},
  journal = {Nature},
  year    = {2015},
  doi     = {10.1038/nature14236}
}
"""


def test_converts_entries_to_csl_items() -> None:
    parsed = parse_bibtex(GOOD, path="refs.bib")
    assert parsed.problems == ()
    flash, dqn = parsed.entries
    assert (flash.key, flash.line, flash.arxiv) == ("dao2022flashattention", 2, "2205.14135")
    item = flash.item()
    assert item["type"] == "paper-conference"
    assert (
        item["title"]
        == "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness"
    )
    assert item["author"][2] == {"family": "Ré", "given": "Christopher"}
    assert item["page"] == "16344–16359"  # LaTeX `--` is an en dash
    assert item["issued"] == {"date-parts": [[2022, 12]]}
    assert item["URL"] == "https://arxiv.org/abs/2205.14135"
    assert item["container-title"] == "Advances in Neural Information Processing Systems"
    assert dqn.item()["author"][1] == {"literal": "DeepMind Team"}
    assert dqn.item()["DOI"] == "10.1038/nature14236"


def test_a_broken_entry_is_a_warning_with_its_line_and_the_rest_is_kept() -> None:
    text = (
        GOOD
        + "\n@article{broken,\n  title = {Unclosed\n  year = 2020,\n}\n\n"
        + ("@article{mnih2015dqn, title = {Again}}\n@misc{untitled, year = 2020}\n")
    )
    parsed = parse_bibtex(text, path="refs.bib")
    assert [e.key for e in parsed.entries] == ["dao2022flashattention", "mnih2015dqn", "untitled"]
    assert [str(p) for p in parsed.problems] == [
        "refs.bib:20: warning: bibliography: this entry cannot be read (Unexpected block start: "
        "`@article`. Was still looking for field-value closing `,` or `}`); it is left out",
        "refs.bib:25: warning: bibliography: entry 'mnih2015dqn' is defined twice; the second "
        "is left out",
        "refs.bib:26: warning: bibliography: entry 'untitled' has no title",
    ]


def test_keys_differing_only_in_case_are_one_key() -> None:
    parsed = parse_bibtex("@misc{Hu2021, title={A}}\n@misc{hu2021, title={B}}\n", path="r.bib")
    assert [e.key for e in parsed.entries] == ["Hu2021"]
    assert [p.message for p in parsed.problems] == [
        "entry 'hu2021' repeats a key (case is ignored); it is left out"
    ]


def test_a_file_that_is_not_utf8_or_missing_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "latin1.bib").write_bytes("@misc{a, title={caf\xe9}}".encode("latin-1"))
    first, missing = BibCache().load(tmp_path, ["latin1.bib", "missing.bib"])
    assert first.entries == () and "not UTF-8" in first.problems[0].message
    assert missing.entries == () and missing.problems[0].location.path == "missing.bib"


def test_the_cache_parses_a_file_again_only_when_its_bytes_change(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(GOOD, encoding="utf-8")
    cache = BibCache()
    (first,) = cache.load(tmp_path, ["refs.bib"])
    assert cache.load(tmp_path, ["refs.bib"])[0] is first
    bib.write_text(GOOD.replace("Nature", "Science"), encoding="utf-8")
    (edited,) = cache.load(tmp_path, ["refs.bib"])
    assert edited is not first and edited.entries[1].item()["container-title"] == "Science"
