/**
 * Which known items a generated text names, so that text naming an item it may not name is refused.
 * Titles are matched in the forms a writer uses: as catalogued (`American President, The (1995)`),
 * without the year, and with the trailing article moved to the front (`The American President`);
 * case-insensitive, on word boundaries. Titles shorter than 4 characters are too easily ordinary
 * words and are only matched in quotes.
 * @module
 */

/** A known item: its id and title. */
export interface KnownTitle {
  id: string;
  title: string;
}

/** The forms of a title a sentence may use, lower-cased. */
export function titleForms(title: string): string[] {
  const forms = new Set<string>();
  const t = title.trim();
  forms.add(t);
  const noYear = t.replace(/\s*\((?:\d{4})(?:[-–]\d{0,4})?\)\s*$/, '').trim();
  forms.add(noYear);
  // Alternative and original titles in parentheses: `Men in Black (a.k.a. MIB)`, `Nobody Loves Me (Keiner liebt mich)`.
  const bare = noYear.replace(/\s*\([^)]*\)/g, '').trim();
  if (bare !== '') forms.add(bare);
  const article = /^(.*),\s*(The|A|An|Les|La|Le|L'|Il|Das|Der|Die|El)$/i.exec(bare);
  if (article) {
    forms.add(`${article[2]}${article[2].endsWith("'") ? '' : ' '}${article[1]}`);
    forms.add(article[1]);
  }
  return [...forms].map((f) => f.toLowerCase()).filter((f) => f.length > 0);
}

/** The quoted spans of a text (`"…"`, `“…”`, `*…*`, `'…'` of two or more words), lower-cased. */
export function quotedSpans(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"([^"]{2,120})"|“([^”]{2,120})”|\*([^*]{2,120})\*|(?:^|\s)'([^']{2,120}\s[^']{1,120})'/g)) out.push((m[1] ?? m[2] ?? m[3] ?? m[4]).trim().toLowerCase());
  return out;
}

/** Lower-cased words of `text` joined by single spaces, padded with a space at both ends. */
export function wordString(text: string): string {
  return ` ${text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `;
}

/** Finds titles of `known` in texts; build once per list, use for every sentence. */
export interface MentionIndex {
  /** Ids of the known items `text` names. */
  mentioned(text: string): Set<string>;
}

/** Builds a {@link MentionIndex} over `known` (word-boundary substring search, no regular expressions per title). */
export function createMentionIndex(known: readonly KnownTitle[]): MentionIndex {
  const forms: { id: string; words: string }[] = [];
  const exact = new Map<string, string[]>();
  for (const k of known) {
    for (const f of titleForms(k.title)) {
      exact.set(f, [...(exact.get(f) ?? []), k.id]);
      const words = wordString(f);
      if (words.trim().length >= 4) forms.push({ id: k.id, words });
    }
  }
  return {
    mentioned(text: string): Set<string> {
      const out = new Set<string>();
      const haystack = wordString(text);
      for (const f of forms) if (haystack.includes(f.words)) out.add(f.id);
      for (const q of quotedSpans(text)) for (const id of exact.get(q) ?? []) out.add(id);
      return out;
    },
  };
}
