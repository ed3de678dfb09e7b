"""The label set: the one place that names the labels, their order and their definitions."""

TOPICS: tuple[str, ...] = ("基建", "资助", "德育", "安全", "师资")
DISCOURSE: tuple[str, ...] = ("问题", "计划")
LABELS: tuple[str, ...] = TOPICS + DISCOURSE

# One line per label, shown by `GET /v1/labels`; the full rules are in labels/GUIDE.md.
DEFINITIONS: dict[str, str] = {
    "基建": "学校建设、校舍改造、布局调整与教育装备（硬件）购置",
    "资助": "对学生的经济资助：助学金、免学费、生活补助、营养改善计划等",
    "德育": "面向学生的思想道德、理想信念、法治与心理健康教育",
    "安全": "校园安全：安全教育、演练、隐患排查、食品交通消防安全、疫情防控",
    "师资": "教师与校长队伍：招聘、培训、师德师风、职称、待遇、交流",
    "问题": "陈述当前存在的问题、困难、不足",
    "计划": "对下一阶段工作作出安排和承诺",
}

EXCLUSIVE: tuple[str, str] = ("问题", "计划")


def ordered(labels) -> list[str]:
    """Return the labels in canonical order, without duplicates (unknown labels are dropped)."""
    present = set(labels)
    return [label for label in LABELS if label in present]


def validate_labels(value, *, exclusive: bool = True) -> tuple[list[str], str | None]:
    """Check a labels value; return (canonical labels, problem or None)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return [], "'labels' must be a list of strings"
    unknown = [v for v in value if v not in LABELS]
    if unknown:
        return [], f"unknown label {unknown[0]!r} (known: {', '.join(LABELS)})"
    if len(set(value)) != len(value):
        return [], "a label is listed twice"
    if exclusive and all(x in value for x in EXCLUSIVE):
        return [], f"{EXCLUSIVE[0]} together with {EXCLUSIVE[1]} (a paragraph is one or the other)"
    return ordered(value), None
