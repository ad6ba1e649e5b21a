// Search text for kbsite's theme: how a query is asked of the index, and how a result's text
// becomes a clean excerpt. The index side is kbsite/write/searchtext.py: Pagefind indexed
// each note with a space between any two CJK characters (every character a word), formulas
// as their readable text then their TeX, and marks around formulas, code and headings.

// Keep in step with _CJK in searchtext.py.
const CJK = "\u2e80-\u2eff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff";
// Keep in step with _CJK_PUNCT in searchtext.py: the index has a space on either side.
const PUNCT = "\u3000-\u303f\uff00-\uffef";
const CJK_PAIR = new RegExp("([" + CJK + "])\\s+(?=[" + CJK + "])", "g");
const PUNCT_GAP = new RegExp("\\s+(?=[" + PUNCT + "])|(?<=[" + PUNCT + "])\\s+", "g");
// A space the index put between a CJK character and a mark such as “ or (.
const MARK_GAP = new RegExp("(?<=[" + CJK + "])\\s+(?=[^\\p{L}\\p{N}\\s])|(?<=[^\\p{L}\\p{N}\\s])\\s+(?=[" + CJK + "])", "gu");
const PUNCT_WORD = new RegExp("[" + PUNCT + "]", "g");
const CJK_GAP = new RegExp("(?<=[" + CJK + "])(?=[" + CJK + "])", "g");
// Keep in step with the marks in searchtext.py.
const MARKS = { formula: "\ue000", tex: "\ue001", formulaEnd: "\ue002", code: "\ue003",
  codeEnd: "\ue004", heading: "\ue005", headingEnd: "\ue006" };
// A formula (its readable text, its TeX), a code block, a heading (its text; Pagefind may end
// it with a full stop).
const MARKED = new RegExp(
  MARKS.formula + "([^" + MARKS.tex + "]*)" + MARKS.tex + "([^" + MARKS.formulaEnd + "]*)" + MARKS.formulaEnd +
  "|" + MARKS.code + "[^" + MARKS.codeEnd + "]*" + MARKS.codeEnd +
  "|" + MARKS.heading + "([^" + MARKS.headingEnd + "]*)" + MARKS.headingEnd + "\\.?", "g");
const SENTENCE_END = /[。！？!?；;]|\.(?=\s|$)/;
const EXCERPT_CHARS = 110;

// Quotes a reader typed mean "as written", which every query is: drop them.
function bare(query) { return query.replace(/["“”]/g, " ").replace(/\s+/g, " ").trim(); }

// The query as written, as the phrase of its words and characters: `"注 意 力"`; one word
// is asked bare, as Pagefind then ranks titles first as it does for any word.
export function phraseQuery(query) {
  const words = partsQuery(query);
  return words.indexOf(" ") > 0 ? "\"" + words + "\"" : words;
}

// Its words and characters anywhere in a note: what a note "containing only parts" matches.
// Each word is written as Pagefind (told no language) stores it, punctuation dropped:
// `O(N^2 d)` is `on2 d`, `Q-Former` is `qformer`.
export function partsQuery(query) {
  const words = bare(query).replace(CJK_GAP, " ").replace(PUNCT_WORD, " ").split(" ");
  return words.map((word) => word.replace(/[^\p{L}\p{N}_]/gu, "")).filter(Boolean).join(" ");
}

// Undo the spaces the index put between CJK characters (a title, a line of text).
export function joinCjk(text) {
  return text.replace(CJK_PAIR, "$1").replace(PUNCT_GAP, "").replace(MARK_GAP, "");
}

// A result's text as pieces: { text } to show, { text, tex } a formula, { stop } where a
// heading (its text in `heading`) or a code block was: an excerpt never runs across one, nor
// shows one. The title Pagefind puts first (`<title>. `) is dropped.
function pieces(content, title) {
  let rest = joinCjk(content);
  const head = joinCjk(title);
  if (head && rest.startsWith(head)) rest = rest.slice(head.length).replace(/^\s*\.\s*/, "");
  const out = [];
  let at = 0;
  for (const found of rest.matchAll(MARKED)) {
    if (found.index > at) out.push({ text: rest.slice(at, found.index) });
    if (found[0][0] === MARKS.formula) out.push({ text: found[1].trim(), tex: found[2].trim() });
    else out.push({ stop: true, heading: found[3] === undefined ? "" : found[3].trim() });
    at = found.index + found[0].length;
  }
  if (at < rest.length) out.push({ text: rest.slice(at) });
  return out;
}

// Runs of text between stops, whitespace tidied: [{ text, formulas: [[start, end, tex]] }];
// with `headings`, each heading's text is a run too.
function passages(content, title, headings) {
  const runs = [];
  let run = { text: "", formulas: [] };
  function add(text) {  // one space between pieces, none beside CJK punctuation
    if (/^\s*[，。、；：！？）」』】,.;:!?)]/.test(text) || !run.text || /\s$/.test(run.text)) {
      text = text.trimStart();
    }
    else if (text && !/[\s，。、；：！？（「『【“]$/.test(run.text) && !/^\s/.test(text)) text = " " + text;
    else if (/[，。、；：！？（「『【“]$/.test(run.text)) text = text.trimStart();
    run.text += text;
  }
  for (const piece of pieces(content, title)) {
    if (piece.stop) {
      if (run.text.trim()) runs.push(run);
      if (headings && piece.heading) runs.push({ text: piece.heading, formulas: [], heading: true });
      run = { text: "", formulas: [] };
      continue;
    }
    const text = piece.text.replace(/\s+/g, " ");
    add(text);
    if (piece.tex !== undefined && text) {
      run.formulas.push([run.text.length - text.length, run.text.length, piece.tex]);
    }
  }
  if (run.text.trim()) runs.push(run);
  return runs;
}

function squash(text) { return text.toLowerCase().replace(/\s+/g, ""); }

// Where the query as written occurs in a passage: [start, end] ranges of its text. A query
// found in a formula's TeX (`\Delta W`) marks the whole formula, shown as readable text.
function exactRanges(run, query) {
  const ranges = [];
  const wanted = query.toLowerCase();
  const text = run.text.toLowerCase();
  for (let at = text.indexOf(wanted); at >= 0 && wanted; at = text.indexOf(wanted, at + wanted.length)) {
    ranges.push([at, at + wanted.length]);
  }
  const tight = squash(query);
  for (const [start, end, tex] of run.formulas) {
    if (tight && squash(tex).includes(tight) && !ranges.some((r) => r[0] < end && r[1] > start)) {
      ranges.push([start, end]);
    }
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

// Where parts of it occur, for a note without the whole query: each word of two letters or
// more (a whole word), and for a Chinese word the longest pieces of it (two characters or
// more) the passage has.
function partRanges(run, query) {
  const ranges = [];
  const text = run.text.toLowerCase();
  function mark(part, whole) {
    let found = false;
    for (let at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length)) {
      const end = at + part.length;
      if (whole && (/[a-z0-9]/.test(text[at - 1] || "") || /[a-z0-9]/.test(text[end] || ""))) continue;
      if (!ranges.some((r) => r[0] < end && r[1] > at)) ranges.push([at, end]);
      found = true;
    }
    return found;
  }
  for (const word of bare(query).toLowerCase().split(" ")) {
    if (new RegExp("^[" + CJK + "]+$").test(word)) {
      for (let size = word.length, done = false; size >= 2 && !done; size--) {
        for (let k = 0; k + size <= word.length; k++) done = mark(word.slice(k, k + size), false) || done;
      }
    } else if ((word.match(/[a-z0-9]/g) || []).length >= 2) {
      mark(word.replace(/^\\/, ""), true);
    }
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

// Tell whether a result's title holds the query as written: such a note is about it.
export function titleHolds(title, query) {
  return joinCjk(title).toLowerCase().includes(bare(query).toLowerCase());
}

// Tell whether a result's title or text holds the query as written (its TeX included).
export function containsQuery(content, title, query) {
  const wanted = bare(query);
  if (titleHolds(title, query)) return true;
  return passages(content, title, true).some((run) => exactRanges(run, wanted).length > 0);
}

// The index of the sentence start at or before `at`: after a sentence end, or the passage start.
function sentenceStart(text, at) {
  for (let k = at - 1; k > 0; k--) {
    if (SENTENCE_END.test(text[k]) && (text[k] !== "." || /\s/.test(text[k + 1] || " "))) {
      return k + 1 + (text.slice(k + 1).match(/^\s*/)[0].length);
    }
  }
  return 0;
}

// The end of an excerpt of about `length` characters from `start` that shows `needEnd`: at a
// sentence end if one comes soon enough, else between words.
function excerptEnd(text, start, needEnd, length) {
  const want = Math.max(start + length, needEnd + 20);
  if (want >= text.length) return text.length;
  for (let k = want; k > Math.max(needEnd, start + length * 0.6); k--) {
    if (SENTENCE_END.test(text[k - 1])) return k;
  }
  for (let k = want; k > needEnd; k--) if (/[\s，、：,]/.test(text[k])) return k;
  return want;
}

// A clean excerpt of a result: [[text, marked], ...] pieces from the first sentence that has
// the query (as written, else its parts), never the title, a heading or code, formulas as
// readable text; ends with "…" when cut.
export function excerpt(content, title, query, length) {
  const size = length || EXCERPT_CHARS;
  const wanted = bare(query);
  const runs = passages(content, title);
  // The query as written in the text; else in a heading (shown alone, never glued to the
  // sentence after it); else its parts in the text.
  const headings = passages(content, title, true).filter((run) => run.heading);
  let chosen = null;
  for (const [finder, where] of [[exactRanges, runs], [exactRanges, headings], [partRanges, runs]]) {
    for (const run of where) {
      const ranges = finder(run, wanted);
      if (ranges.length) { chosen = { run, ranges }; break; }
    }
    if (chosen) break;
  }
  if (!chosen) chosen = runs.length ? { run: runs[0], ranges: [] } : null;
  if (!chosen) return [];
  const text = chosen.run.text;
  const first = chosen.ranges[0] || [0, 0];
  let start = sentenceStart(text, first[0]);
  if (first[0] - start > size - 20) {  // a long sentence: start at its clause before the match
    const clause = text.slice(start, first[0]).search(/[，、：,:][^，、：,:]*$/);
    if (clause >= 0) start += clause + 1;
  }
  const end = excerptEnd(text, start, first[1], size);
  const parts = [];
  let at = start;
  for (const [from, to] of chosen.ranges) {
    if (from < at || to > end) continue;
    if (from > at) parts.push([text.slice(at, from), false]);
    parts.push([text.slice(from, to), true]);
    at = to;
  }
  if (end > at) parts.push([text.slice(at, end).trimEnd(), false]);
  if (parts.length) parts[0][0] = parts[0][0].trimStart();
  if (end < text.length) parts.push(["…", false]);
  return parts;
}
