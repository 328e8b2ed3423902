/**
 * BERT WordPiece tokenizer over a `vocab.txt` (one token per line, the line number is its id), as
 * used by BERT-family sentence encoders exported to ONNX: clean the text, split on whitespace and
 * punctuation (CJK ideographs become words of their own), optionally lowercase and strip accents,
 * then split each word greedily into the longest vocabulary pieces, continuation pieces prefixed
 * with `##`. A word that cannot be split becomes `[UNK]`.
 * @module
 */
import { ValidationError } from '../core/errors.js';

/** Options of {@link createWordPieceTokenizer}. */
export interface WordPieceOptions {
  /** Lowercase before splitting (uncased models). Default true. */
  lowercase?: boolean;
  /** Remove accents (NFD, drop combining marks). Default: the value of `lowercase`, as in BERT. */
  stripAccents?: boolean;
  /** Longest sequence produced by `encode`, special tokens included. Default 256. */
  maxLength?: number;
  /** Prefix of continuation pieces. Default `##`. */
  continuationPrefix?: string;
  /** Words longer than this (in code points) become `[UNK]`. Default 100. */
  maxCharsPerWord?: number;
  /** Special tokens; defaults `[CLS]`, `[SEP]`, `[PAD]`, `[UNK]`. Each must be in the vocabulary. */
  clsToken?: string;
  sepToken?: string;
  padToken?: string;
  unkToken?: string;
}

/** A tokenizer bound to one vocabulary. */
export interface WordPieceTokenizer {
  /** Number of lines in the vocabulary. */
  readonly vocabSize: number;
  /** Longest sequence `encode` returns. */
  readonly maxLength: number;
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;
  /** The word pieces of `text`, without special tokens or truncation. */
  tokenize(text: string): string[];
  /** `[CLS] pieces… [SEP]` as ids, pieces truncated so the whole fits in `maxLength`. */
  encode(text: string): number[];
  /** Id of one token, or undefined when it is not in the vocabulary. */
  tokenId(token: string): number | undefined;
}

/** Splits a `vocab.txt` into tokens: one per line, `\r\n` tolerated, the final newline ignored. */
export function parseVocab(text: string): string[] {
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const PUNCTUATION = /\p{P}/u;
const WHITESPACE = /\s/u;
const CONTROL = /[\p{Cc}\p{Cf}]/u;
const COMBINING_MARK = /\p{Mn}/gu;

/** BERT counts every non-alphanumeric ASCII character as punctuation, plus Unicode class P. */
function isPunctuation(ch: string, cp: number): boolean {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return PUNCTUATION.test(ch);
}

/** CJK Unified Ideographs blocks, as in BERT's `_is_chinese_char` (not Hangul or kana). */
function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/**
 * BERT's basic tokenizer: drops NUL, U+FFFD and control characters, splits on whitespace, makes
 * each punctuation character and CJK ideograph a word of its own, and lowercases / strips accents
 * when asked.
 */
export function basicTokenize(text: string, lowercase: boolean, stripAccents: boolean): string[] {
  const words: string[] = [];
  let current = '';
  const flush = (): void => {
    if (current.length > 0) words.push(current);
    current = '';
  };
  const pushWord = (word: string): void => {
    flush();
    words.push(word);
  };
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0 || cp === 0xfffd) continue;
    if (WHITESPACE.test(ch)) {
      flush();
      continue;
    }
    if (CONTROL.test(ch)) continue;
    if (isCjk(cp)) {
      pushWord(ch);
      continue;
    }
    current += ch;
  }
  flush();
  const out: string[] = [];
  for (let word of words) {
    if (lowercase) word = word.toLowerCase();
    if (stripAccents) word = word.normalize('NFD').replace(COMBINING_MARK, '');
    // Punctuation splits after normalisation, as in BERT (an accent may sit on punctuation).
    let piece = '';
    for (const ch of word) {
      if (isPunctuation(ch, ch.codePointAt(0) ?? 0)) {
        if (piece.length > 0) out.push(piece);
        out.push(ch);
        piece = '';
      } else {
        piece += ch;
      }
    }
    if (piece.length > 0) out.push(piece);
  }
  return out;
}

function requireToken(vocab: ReadonlyMap<string, number>, token: string, role: string): number {
  const id = vocab.get(token);
  if (id === undefined) {
    throw new ValidationError(`vocabulary has no ${role} token "${token}": a BERT WordPiece vocab.txt lists [PAD], [UNK], [CLS] and [SEP]`, {
      details: { field: role, token },
    });
  }
  return id;
}

/**
 * Builds a tokenizer over `vocab` (the lines of `vocab.txt`, see {@link parseVocab}).
 * @example
 * ```ts
 * const tokenizer = createWordPieceTokenizer(parseVocab(await readFile('vocab.txt', 'utf8')));
 * tokenizer.tokenize('The dog runs.'); // ['the', 'dog', 'run', '##s', '.']
 * tokenizer.encode('The dog runs.');   // [clsId, …ids…, sepId]
 * ```
 */
export function createWordPieceTokenizer(vocab: readonly string[], options: WordPieceOptions = {}): WordPieceTokenizer {
  const lowercase = options.lowercase ?? true;
  const stripAccents = options.stripAccents ?? lowercase;
  const maxLength = options.maxLength ?? 256;
  const prefix = options.continuationPrefix ?? '##';
  const maxCharsPerWord = options.maxCharsPerWord ?? 100;
  if (!Number.isInteger(maxLength) || maxLength < 2) {
    throw new ValidationError(`maxLength must be an integer of at least 2 (room for [CLS] and [SEP]), got ${String(maxLength)}`, { details: { field: 'maxLength' } });
  }
  // As in BERT's load_vocab, a token listed twice maps to its last line.
  const ids = new Map<string, number>();
  vocab.forEach((token, id) => ids.set(token, id));
  const unkToken = options.unkToken ?? '[UNK]';
  const clsId = requireToken(ids, options.clsToken ?? '[CLS]', 'cls');
  const sepId = requireToken(ids, options.sepToken ?? '[SEP]', 'sep');
  const padId = requireToken(ids, options.padToken ?? '[PAD]', 'pad');
  const unkId = requireToken(ids, unkToken, 'unk');

  const wordPieces = (word: string, out: string[]): void => {
    const chars = Array.from(word);
    if (chars.length > maxCharsPerWord) {
      out.push(unkToken);
      return;
    }
    const pieces: string[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: string | undefined;
      while (start < end) {
        const candidate = (start > 0 ? prefix : '') + chars.slice(start, end).join('');
        if (ids.has(candidate)) {
          found = candidate;
          break;
        }
        end--;
      }
      if (found === undefined) {
        out.push(unkToken);
        return;
      }
      pieces.push(found);
      start = end;
    }
    out.push(...pieces);
  };

  const tokenize = (text: string): string[] => {
    const out: string[] = [];
    for (const word of basicTokenize(text, lowercase, stripAccents)) wordPieces(word, out);
    return out;
  };

  return {
    vocabSize: vocab.length,
    maxLength,
    clsId,
    sepId,
    padId,
    unkId,
    tokenize,
    encode(text: string): number[] {
      const pieces = tokenize(text);
      const kept = Math.min(pieces.length, maxLength - 2);
      const out = new Array<number>(kept + 2);
      out[0] = clsId;
      for (let i = 0; i < kept; i++) out[i + 1] = ids.get(pieces[i]) ?? unkId;
      out[kept + 1] = sepId;
      return out;
    },
    tokenId: (token) => ids.get(token),
  };
}
