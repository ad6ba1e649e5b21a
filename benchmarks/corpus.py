"""Generate a deterministic corpus of notes like ours: Chinese text, math, code, tables, links.

    python benchmarks/corpus.py OUT_DIR --notes 5000

Each note is about 4,000 characters; 94% carry display math, 59% a code block, as in the corpus
issue #8 measured peers on. Formulas repeat across notes (about 13% distinct), as real notes do.
"""

from __future__ import annotations

import argparse
import random
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

INLINE = [
    r"$W_0 + BA$",
    r"$\operatorname{softmax}(QK^\top / \sqrt{d})V$",
    r"$\mathbb{E}_{x \sim p}[f(x)]$",
    r"$\nabla_\theta J(\theta)$",
    r"$r \ll \min(d, k)$",
    r"$\beta_t$",
    r"$\mathcal{L}_{\text{GIoU}}$",
    r"$p_\theta(x_{t-1} \mid x_t)$",
]

DISPLAY = [
    r"\mathcal{L}(\theta) = \mathbb{E}_{t, x_0, \epsilon}\left[ \| \epsilon - \epsilon_\theta(x_t, t) \|^2 \right]",
    r"\begin{aligned} h &= W_0 x + \Delta W x \\ &= W_0 x + \frac{\alpha}{r} B A x \end{aligned}",
    r"\operatorname{Attention}(Q, K, V) = \operatorname{softmax}\left( \frac{Q K^\top}{\sqrt{d_k}} \right) V",
    r"\hat\sigma = \arg\min_{\sigma \in \mathfrak{S}_N} \sum_{i=1}^{N} \mathcal{L}_{\text{match}}(y_i, \hat y_{\sigma(i)})",
    r"\log p(x) = \log p(z) + \sum_{k=1}^{K} \log \left| \det \frac{\partial f_k}{\partial z_{k-1}} \right|",
    r"C(\mathbf{r}) = \sum_{i=1}^{N} T_i \left(1 - e^{-\sigma_i \delta_i}\right) \mathbf{c}_i",
    r"L^{\text{CLIP}}(\theta) = \hat{\mathbb{E}}_t \left[ \min\left( r_t \hat A_t, \operatorname{clip}(r_t, 1-\epsilon, 1+\epsilon) \hat A_t \right) \right]",
]

CODE = [
    (
        "python",
        "import torch\n\n\ndef lora_forward(x, w0, a, b, alpha=16, r=8):\n"
        "    base = x @ w0.T\n    delta = (x @ a.T) @ b.T\n    return base + alpha / r * delta\n",
    ),
    (
        "python",
        "def giou(a, b):\n    inter = area(intersect(a, b))\n    union = area(a) + area(b) - inter\n"
        "    hull = area(enclosing(a, b))\n    return inter / union - (hull - union) / hull\n",
    ),
    ("bash", "torchrun --nproc_per_node 8 train.py \\\n  --lr 3e-4 --batch-size 256 --epochs 90\n"),
]


def note_text(index: int, rng: random.Random, total: int) -> tuple[str, str, str]:
    """Return (category slug, file name, text) of note number `index`."""
    name, slug = CATEGORIES[index % len(CATEGORIES)]
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
            sentences.insert(3, f"其中 {rng.choice(INLINE)} 是关键的量。")
            parts.append("".join(sentences))
            parts.append("")
        if section == 1 and rng.random() < 0.94:
            parts += ["$$", rng.choice(DISPLAY), "$$", ""]
        if section == 2 and rng.random() < 0.59:
            lang, code = rng.choice(CODE)
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
    return slug, f"note-{index:05d}.md", "\n".join(parts) + "\n"


def site_yaml() -> str:
    lines = [
        "title: 基准语料",
        "base_url: https://example.github.io/bench/",
        "timezone: Asia/Shanghai",
        # Issue #8 compares builds without search; benchmarks/search_size.py measures search.
        "search: false",
        "categories:",
    ]
    for name, slug in CATEGORIES:
        lines += [f"  - name: {name}", f"    slug: {slug}"]
    return "\n".join(lines) + "\n"


def generate(out: Path, notes: int, seed: int = 20261122) -> None:
    """Write a kbsite site with `notes` notes into out (replacing its content/)."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / "content", ignore_errors=True)
    (out / "site.yaml").write_text(site_yaml(), encoding="utf-8")
    for index in range(notes):
        slug, name, text = note_text(index, rng, notes)
        path = out / "content" / slug / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the site into")
    parser.add_argument("--notes", type=int, default=1000, help="number of notes (default 1000)")
    args = parser.parse_args()
    generate(args.out, args.notes)
    print(f"wrote {args.notes} notes to {args.out}")


if __name__ == "__main__":
    main()
