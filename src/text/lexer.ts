/**
 * The tokeniser shared by sentiment and aspect extraction: words (with inner apostrophes and
 * hyphens), emoji, emoticons, and the punctuation that ends a clause or a sentence.
 * Internal to `src/text`.
 * @module
 */

/** What a lexical token is. */
export type LexKind = 'word' | 'symbol' | 'clause' | 'sentence';

/** One token of a text. */
export interface LexToken {
  /** `word`, `symbol` (emoji or emoticon), `clause` (`,;:()"…` and dashes) or `sentence` (`.!?` and line breaks). */
  kind: LexKind;
  /** Lower-cased form with typographic apostrophes made plain (`don’t` → `don't`). */
  norm: string;
  /** The text as written. */
  raw: string;
}

const EMOTICON = String.raw`(?<![\p{L}\p{N}])(?:[:;=][-']?[)(\]\[DPpOo/\\|*3]|:'\(|<3|\)[-']?[:;=])(?![\p{L}\p{N}])`;
const WORD = String.raw`[\p{L}\p{N}]+(?:['’\-][\p{L}\p{N}]+)*`;
const EMOJI = String.raw`\p{Extended_Pictographic}`;
const SENTENCE = String.raw`[.!?…]|\n`;
const CLAUSE = String.raw`[,;:()\[\]{}"“”«»–—]|\s-\s`;
const TOKEN = new RegExp(`(${EMOTICON})|(${WORD})|(${EMOJI})|(${SENTENCE})|(${CLAUSE})`, 'gu');

/** Splits `text` into tokens; whitespace and other characters are dropped. */
export function lex(text: string): LexToken[] {
  const tokens: LexToken[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const raw = match[0];
    if (match[1] !== undefined || match[3] !== undefined) tokens.push({ kind: 'symbol', norm: raw.toLowerCase(), raw });
    else if (match[2] !== undefined) tokens.push({ kind: 'word', norm: raw.toLowerCase().replace(/’/g, "'"), raw });
    else if (match[4] !== undefined) tokens.push({ kind: 'sentence', norm: raw === '\n' ? '.' : raw, raw });
    else tokens.push({ kind: 'clause', norm: raw.trim(), raw });
  }
  return tokens;
}
