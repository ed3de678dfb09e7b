// The seven labels in the order of training.labelset.LABELS (tests/serving/api/test_review.py checks it),
// and the discourse pair of which a paragraph has at most one (training.labelset.EXCLUSIVE).
export const LABELS = ["基建", "资助", "德育", "安全", "师资", "问题", "计划"];
export const EXCLUSIVE = ["问题", "计划"];
