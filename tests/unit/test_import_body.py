"""kbsite.importers: a blog's conventions -> kbsite's Markdown, one class at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbsite.config.siteconfig import load_config
from kbsite.importers.bodytext import Lookups, PostText, convert_body
from kbsite.importers.images import ImageFiles
from kbsite.importers.postlinks import PostIndex
from kbsite.importers.tally import Tally
from kbsite.load.content import parse_note
from tests.conftest import WriteSite


def convert(body: str, tmp_path: Path, *, blogdown: bool = False) -> tuple[str, list[str]]:
    """Convert a body of post `blog/post.md` (note `ml/post.md`); return it and the report."""
    index = PostIndex()
    index.add(["2023-01-01-vae", "vae", "posts/vae"], "ml/vae.md")
    index.add(["ml/ddpm", "ddpm"], "sheng-cheng/ddpm.md")
    tally, problems = Tally(), []
    found = Lookups(index, ImageFiles(tmp_path, {}), tally, problems)
    post = PostText(body, "blog/post.md", 5, "ml/post.md", blogdown, tmp_path)
    return convert_body(post, found), problems + tally.lines()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "{% note danger %}\n**小心**过拟合。\n\n第二段。\n{% endnote %}",
            "> [!danger]\n> **小心**过拟合。\n>\n> 第二段。",
        ),
        ("{% note default %}\n默认。\n{% endnote %}", "> [!note]\n> 默认。"),
        (
            '{{< admonition type="warning" title="注意" open=false >}}\n慢。\n{{< /admonition >}}',
            "> [!warning]- 注意\n> 慢。",
        ),
        ("{{% admonition tip 技巧 %}}\n快。\n{{% /admonition %}}", "> [!tip] 技巧\n> 快。"),
        ("{{< pseudocode >}}\n\\STATE $x$\n{{< /pseudocode >}}", "```pseudocode\n\\STATE $x$\n```"),
        (
            '{{< figure src="/a.png" caption="图 1" >}}',
            '<figure><img src="/a.png" alt="图 1"><figcaption>图 1</figcaption></figure>',
        ),
        ('{: class="table-of-content"}\n* TOC\n{:toc}\n正文', "正文"),
        ("![图]({{ '/img/a.png' | relative_url }})", "![图](/img/a.png)"),
        ("![图]({{ site.baseurl }}/img/a.png)", "![图](/img/a.png)"),
        ("见 [VAE]({% post_url 2023-01-01-vae %})。", "见 [VAE](vae.md)。"),
        ("见 {% post_link ml/ddpm 扩散 %}。", "见 [扩散](../sheng-cheng/ddpm.md)。"),
        ('见 [VAE]({{< relref "/posts/vae.md#elbo" >}})。', "见 [VAE](vae.md#elbo)。"),
        ("```\n{% note info %}\n{% endnote %}\n```", "```\n{% note info %}\n{% endnote %}\n```"),
        ("代码 `{% post_url x %}` 不动。", "代码 `{% post_url x %}` 不动。"),
    ],
)
def test_converts_each_convention(body: str, expected: str, tmp_path: Path) -> None:
    assert convert(body, tmp_path)[0] == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("折扣率 `$\\gamma$` 与 `$x$`。", "折扣率 $\\gamma$ 与 $x$。"),
        (
            "`$$\n\\begin{aligned}\na &= b\n\\end{aligned}\n$$`",
            "$$\n\\begin{aligned}\na &= b\n\\end{aligned}\n$$",
        ),
        ("行内 `$$x^2$$` 也是。", "行内 $$x^2$$ 也是。"),
        ("代码 `` `$x$` `` 与 `print($x)` 不是。", "代码 `` `$x$` `` 与 `print($x)` 不是。"),
        ("```r\n`$x$`\n```", "```r\n`$x$`\n```"),
    ],
)
def test_blogdown_math_in_code_spans_becomes_math(body: str, expected: str, tmp_path: Path) -> None:
    assert convert(body, tmp_path, blogdown=True)[0] == expected


def test_what_stays_is_reported_once_per_kind_with_a_count(tmp_path: Path) -> None:
    body = "{{< tab 甲 >}}\n\n{% note %}\n注\n{% endnote %}\n```\n{% x %}\n```\n{{< tab 乙 >}}\n\n"
    body += "{% include foo.html %}\n\n{% post_url 2020-01-01-gone %}"
    text, report = convert(body, tmp_path)
    assert text.startswith("{{< tab 甲 >}}\n\n> [!note]\n> 注\n```\n{% x %}\n```\n{{< tab 乙 >}}")
    assert report == [  # lines of the source file, whatever the conversions before them
        "blog/post.md:15: {% include %} kept as text (1 time)",
        "blog/post.md:17: {% post_url %} to a post that was not imported kept as text (1 time)",
        "blog/post.md:5: {{< tab >}} kept as text (2 times)",
    ]


def test_images_are_matched_ignoring_case_and_backslashes(tmp_path: Path) -> None:
    (tmp_path / "pic").mkdir()
    (tmp_path / "pic" / "arch.png").write_bytes(b"png")
    body = (
        "![一](PIC/Arch.png)\n![二](pic\\arch.png)\n<img src='./Pic/ARCH.png'>\n![三](pic/arc.png)"
    )
    text, report = convert(body, tmp_path)
    assert (
        text
        == "![一](pic/arch.png)\n![二](pic/arch.png)\n<img src='pic/arch.png'>\n![三](pic/arc.png)"
    )
    assert report == ["blog/post.md:8: image pic/arc.png (did you mean 'pic/arch.png'?)"]


def test_site_paths_are_matched_under_the_blogs_base_path(tmp_path: Path) -> None:
    files = ImageFiles(tmp_path, {"img/a.png": "img/A.png"}, prefix="/blog")
    assert files.fix("![](/blog/img/a.png) ![](/img/b.png)", tmp_path) == (
        "![](/img/A.png) ![](/img/b.png)",
        ["/img/b.png (did you mean 'img/A.png'?)"],
    )


def test_a_name_two_posts_share_links_to_neither() -> None:
    index = PostIndex()
    index.add(["a/x"], "c/x.md")
    index.add(["b/x"], "c/x-2.md")
    assert index.link("b/x", "c/y.md") == "x-2.md"
    assert index.link("x", "c/y.md") is None


def test_keys_an_import_keeps_under_extra_are_accepted_quietly(write_site: WriteSite) -> None:
    site = write_site()
    text = "---\ntitle: 笔记\ndate: 2024-01-01\nextra:\n  subtitle: 副标题\n  images: [a.png]\n---\n正文。\n"
    note, problems = parse_note("large-model/a.md", text, load_config(site))
    assert note.title == "笔记" and problems == []
