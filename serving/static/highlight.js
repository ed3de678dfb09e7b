// Evidence in the text: the explain spans of each label as <mark> elements in the label's
// colour (where labels overlap, the first in the order of LABELS), the weight on hover.
export function highlighted(text, explain, labels) {
  const owner = new Array(text.length).fill(-1);
  const why = new Array(text.length).fill("");
  labels.forEach((label, k) => {
    (explain[label] || []).forEach((term) => {
      term.spans.forEach(([start, end]) => {
        for (let i = start; i < end && i < text.length; i++) {
          if (owner[i] === -1) { owner[i] = k; why[i] = `${label} 依据：${term.term}（权重 ${term.weight}）`; }
        }
      });
    });
  });
  const out = [];
  let start = 0;
  for (let i = 1; i <= text.length; i++) {
    if (i === text.length || owner[i] !== owner[start] || why[i] !== why[start]) {
      const piece = text.slice(start, i);
      if (owner[start] === -1) out.push(document.createTextNode(piece));
      else {
        const mark = document.createElement("mark");
        mark.className = `l${owner[start]}`;
        mark.dataset.label = labels[owner[start]];
        mark.title = why[start];
        mark.textContent = piece;
        out.push(mark);
      }
      start = i;
    }
  }
  return out;
}
