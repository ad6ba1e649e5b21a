"""Generate a deterministic corpus of notes like ours: Chinese text, math, code, tables, links.

    python benchmarks/corpus.py OUT_DIR --notes 5000

Each note is about 4,000 characters; 94% carry display math, 59% a code block, as in the corpus
issue #8 measured peers on. About 13% of formula occurrences are distinct (the rest repeat, as in
real notes) and code blocks differ, so per-formula and per-block caches get no more help than
they would from real notes. `corpus_stats` measures all of this; the script prints it.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
from pathlib import Path

CATEGORIES = [
    ("Large Model", "large-model"),
    ("Computer Vision", "computer-vision"),
    ("Generative Model", "generative-model"),
    ("3D Model", "3d-model"),
    ("Reinforcement Learning", "reinforcement-learning"),
    ("Multimodal", "multimodal"),
]

SENTENCES = [
    "注意力机制让模型在每一步都能直接访问全部上下文，这是 Transformer 取代循环网络的关键。",
    "低秩适配冻结预训练权重，只训练两个小矩阵，显存占用因此大幅下降。",
    "在目标检测中，匈牙利匹配把预测框与真实框一一对应，从而去掉了非极大值抑制。",
    "扩散模型把生成过程拆成许多小的去噪步骤，每一步只需要预测噪声。",
    "流匹配直接回归一个速度场，训练比传统的连续归一化流稳定得多。",
    "三维高斯溅射用可微光栅化替代了体渲染中的逐点采样，渲染速度提升了两个数量级。",
    "策略梯度方法的方差很大，因此实践中几乎总要配合基线或优势函数使用。",
    "对比学习把成对的图像和文本拉近，把不匹配的样本推远。",
    "实验表明，在相同的计算预算下，更大的批量并不总能带来更好的泛化。",
    "我们在附录中给出了完整的推导，并讨论了数值稳定性的问题。",
    "这一结论依赖于数据独立同分布的假设，在强化学习的场景中并不成立。",
    "如果学习率过大，训练损失会先下降后剧烈震荡，最终发散。",
]

# Formula templates; "§" marks the places a fresh variant changes (an index, a constant), so
# the corpus can hold as many distinct formulas as issue #8's did: about 13% of all occurrences.
INLINE = [
    r"$W_{§} + B_{§} A_{§}$",
    r"$\operatorname{softmax}(Q_{§} K_{§}^\top / \sqrt{d_{§}})V$",
    r"$\mathbb{E}_{x \sim p_{§}}[f_{§}(x)]$",
    r"$\nabla_\theta J_{§}(\theta)$",
    r"$r_{§} \ll \min(d_{§}, k)$",
    r"$\beta_{§} = 10^{-§}$",
    r"$\mathcal{L}_{\text{GIoU}}^{(§)}$",
    r"$p_\theta(x_{t-§} \mid x_t)$",
]

DISPLAY = [
    r"\mathcal{L}_{§}(\theta) = \mathbb{E}_{t, x_0, \epsilon}\left[ \| \epsilon - \epsilon_\theta(x_t, t + §) \|^2 \right]",
    r"\begin{aligned} h_{§} &= W_0 x + \Delta W x \\ &= W_0 x + \frac{\alpha_{§}}{r} B A x \end{aligned}",
    r"\operatorname{Attention}(Q, K, V) = \operatorname{softmax}\left( \frac{Q K^\top}{\sqrt{§}} \right) V",
    r"\hat\sigma = \arg\min_{\sigma \in \mathfrak{S}_{§}} \sum_{i=1}^{§} \mathcal{L}_{\text{match}}(y_i, \hat y_{\sigma(i)})",
    r"\log p(x) = \log p(z) + \sum_{k=1}^{§} \log \left| \det \frac{\partial f_k}{\partial z_{k-1}} \right|",
    r"C(\mathbf{r}) = \sum_{i=1}^{§} T_i \left(1 - e^{-\sigma_i \delta_i}\right) \mathbf{c}_i",
    r"L^{\text{CLIP}}_{§}(\theta) = \hat{\mathbb{E}}_t \left[ \min\left( r_t \hat A_t, \operatorname{clip}(r_t, 1-\epsilon, 1+\epsilon) \hat A_t \right) \right]",
]

# Share of formula occurrences that are new (issue #8's corpus: "only 13% of formulas are
# distinct"); the rest repeat one seen before, as formulas in real notes do.
DISTINCT_SHARE = 0.13

# Code blocks, each made distinct by its constants and names ("{n}", "{a}", "{b}"), since real
# notes rarely repeat a block. Lengths of 8 to 24 lines, like the snippets in our notes.
CODE = [
    (
        "python",
        """import torch
from torch import nn


class LoRALinear{n}(nn.Module):
    \"\"\"A frozen linear layer plus a trainable low-rank update.\"\"\"

    def __init__(self, base: nn.Linear, r: int = {a}, alpha: float = {b}.0):
        super().__init__()
        self.base = base
        self.base.weight.requires_grad_(False)
        self.a = nn.Parameter(torch.randn(r, base.in_features) * 0.01)
        self.b = nn.Parameter(torch.zeros(base.out_features, r))
        self.scale = alpha / r

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        delta = (x @ self.a.T) @ self.b.T
        return self.base(x) + self.scale * delta
""",
    ),
    (
        "python",
        """def giou_{n}(a, b, eps=1e-{a}):
    # boxes are (x0, y0, x1, y1); returns GIoU in [-1, 1]
    inter = area(intersect(a, b))
    union = area(a) + area(b) - inter
    hull = area(enclosing(a, b))
    iou = inter / (union + eps)
    return iou - (hull - union) / (hull + eps)


def hungarian_cost_{n}(pred, target, w_cls={a}, w_box={b}):
    cost_cls = -pred["logits"].softmax(-1)[:, target["labels"]]
    cost_box = torch.cdist(pred["boxes"], target["boxes"], p=1)
    return w_cls * cost_cls + w_box * cost_box
""",
    ),
    (
        "bash",
        """# run {n}: {a} nodes, batch {b}
torchrun --nnodes {a} --nproc_per_node 8 train.py \\
  --lr 3e-4 --batch-size {b} --epochs 90 \\
  --warmup-steps {n} --grad-clip 1.0 \\
  --output runs/exp-{n}
""",
    ),
    (
        "python",
        """def dpo_loss_{n}(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta=0.{a}):
    \"\"\"Direct preference optimisation loss for a batch of preference pairs.\"\"\"
    chosen = policy_chosen - ref_chosen
    rejected = policy_rejected - ref_rejected
    logits = beta * (chosen - rejected)
    loss = -torch.nn.functional.logsigmoid(logits)
    reward_gap = (beta * (chosen - rejected)).detach()
    return loss.mean(), reward_gap.mean()


for step, batch in enumerate(loader):
    loss, gap = dpo_loss_{n}(*model(batch))
    loss.backward()
    if step % {b} == 0:
        print(f"step {{step}}: loss {{loss.item():.4f}} gap {{gap.item():.3f}}")
""",
    ),
]


class FormulaStream:
    """Hand out formulas so that about DISTINCT_SHARE of all occurrences are new ones."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.made = 0
        self.seen: dict[bool, list[str]] = {False: [], True: []}

    def next(self, display: bool) -> str:
        seen = self.seen[display]
        if seen and self.rng.random() >= DISTINCT_SHARE:
            return self.rng.choice(seen)
        self.made += 1
        template = self.rng.choice(DISPLAY if display else INLINE)
        formula = template.replace("§", str(self.made))
        seen.append(formula)
        return formula


def note_place(index: int) -> tuple[str, str]:
    """Return (category slug, file name) of note number `index`."""
    return CATEGORIES[index % len(CATEGORIES)][1], f"note-{index:05d}.md"


def note_text(
    index: int, rng: random.Random, total: int, formulas: FormulaStream
) -> tuple[str, str, str]:
    """Return (category slug, file name, text) of note number `index`."""
    name = CATEGORIES[index % len(CATEGORIES)][0]
    slug, file_name = note_place(index)
    day = 1 + index % 28
    month = 1 + (index // 28) % 12
    year = 2024 + index // (28 * 12) % 3
    parts = [
        "---",
        f"title: 笔记 {index:05d}：{rng.choice(['注意力', '扩散', '检测', '匹配', '策略', '对齐'])}的一些思考",
        f"category: {name}",
        f"date: {year}-{month:02d}-{day:02d} {index % 24:02d}:{index % 60:02d}",
        f"tags: [{rng.choice(['LoRA', 'DETR', 'PPO', 'CLIP', 'NeRF'])}, 笔记{index % 40}]",
        "---",
        "",
    ]
    for section in range(6):
        parts.append(f"## 第 {section + 1} 节 {rng.choice(['动机', '推导', '实验', '讨论'])}")
        parts.append("")
        for _ in range(2):
            sentences = rng.sample(SENTENCES, 8)
            sentences.insert(3, f"其中 {formulas.next(False)} 是关键的量。")
            parts.append("".join(sentences))
            parts.append("")
        if section == 1 and rng.random() < 0.94:
            parts += ["$$", formulas.next(True), "$$", ""]
        if section == 2 and rng.random() < 0.59:
            lang, template = rng.choice(CODE)
            code = template.format(n=index, a=rng.randint(2, 64), b=rng.randint(8, 512))
            parts += [f"```{lang}", code.rstrip("\n"), "```", ""]
    if index % 5 == 0:
        parts += [
            "| 方法 | 指标 | 备注 |",
            "|---|---|---|",
            "| A | 0.91 | 基线 |",
            "| B | 0.94 | 本文 |",
            "",
        ]
    other = (index * 7 + 3) % total
    other_slug = CATEGORIES[other % len(CATEGORIES)][1]
    parts.append(f"相关笔记见 [笔记 {other:05d}](../{other_slug}/note-{other:05d}.md)。")
    return slug, file_name, "\n".join(parts) + "\n"


def site_yaml() -> str:
    lines = [
        "title: 基准语料",
        "base_url: https://example.github.io/bench/",
        "timezone: Asia/Shanghai",
        # Search on, as a user builds (issue 21); compare.py also builds with it off.
        "search: true",
        "categories:",
    ]
    for name, slug in CATEGORIES:
        lines += [f"  - name: {name}", f"    slug: {slug}"]
    return "\n".join(lines) + "\n"


def generate(out: Path, notes: int, seed: int = 20261122) -> None:
    """Write a kbsite site with `notes` notes into out (replacing its content/)."""
    rng = random.Random(seed)
    formulas = FormulaStream(rng)
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / "content", ignore_errors=True)
    (out / "site.yaml").write_text(site_yaml(), encoding="utf-8")
    for index in range(notes):
        slug, name, text = note_text(index, rng, notes, formulas)
        path = out / "content" / slug / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


MATH = re.compile(r"\$\$\n(.+?)\n\$\$|\$([^$\n]+)\$", re.S)


def corpus_stats(out: Path) -> dict[str, float]:
    """Measure the corpus in out/content, so claims about it (as in the docstring) are checked."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((out / "content").rglob("*.md"))]
    formulas = [m.group(1) or m.group(2) for text in texts for m in MATH.finditer(text)]
    return {
        "notes": len(texts),
        "mean_chars": sum(len(t) for t in texts) / len(texts),
        "with_display_math": sum("$$" in t for t in texts) / len(texts),
        "with_code": sum("```" in t for t in texts) / len(texts),
        "formulas_per_note": len(formulas) / len(texts),
        "distinct_formulas": len(set(formulas)) / len(formulas),
    }


def describe(stats: dict[str, float]) -> str:
    """One line saying what the corpus holds."""
    return (
        f"{stats['notes']:,.0f} notes of {stats['mean_chars']:,.0f} characters on average; "
        f"{stats['with_display_math']:.0%} with display math, {stats['with_code']:.0%} with code; "
        f"{stats['formulas_per_note']:.1f} formulas a note, "
        f"{stats['distinct_formulas']:.0%} of them distinct"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the site into")
    parser.add_argument("--notes", type=int, default=1000, help="number of notes (default 1000)")
    args = parser.parse_args()
    generate(args.out, args.notes)
    print(f"wrote {args.out}: {describe(corpus_stats(args.out))}")


if __name__ == "__main__":
    main()
