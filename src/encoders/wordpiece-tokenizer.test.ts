import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { basicTokenize, createWordPieceTokenizer, parseVocab } from './wordpiece-tokenizer.js';

// Cases from BERT's reference tokenizer tests (google-research/bert tokenization_test.py).
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'want', '##want', '##ed', 'wa', 'un', 'runn', '##ing', ','];

describe('basicTokenize', () => {
  it('lowercases and splits punctuation', () => {
    expect(basicTokenize(' \tHeLLo!how  \n Are yoU?  ', true, true)).toEqual(['hello', '!', 'how', 'are', 'you', '?']);
  });
  it('keeps case when not lowercasing', () => {
    expect(basicTokenize(' \tHeLLo!how  \n Are yoU?  ', false, false)).toEqual(['HeLLo', '!', 'how', 'Are', 'yoU', '?']);
  });
  it('strips accents', () => {
    expect(basicTokenize(' \tHäLLo!how  \n Are yoU?  ', true, true)).toEqual(['hallo', '!', 'how', 'are', 'you', '?']);
    expect(basicTokenize('Häll', true, false)).toEqual(['häll']);
  });
  it('splits CJK ideographs into words and drops control characters', () => {
    expect(basicTokenize('ah\u535A\u63A8zz', true, true)).toEqual(['ah', '\u535A', '\u63A8', 'zz']);
    expect(basicTokenize('a\u0000b\u200bc\ufffd d', true, true)).toEqual(['abc', 'd']);
  });
  it('counts ASCII symbols as punctuation', () => {
    expect(basicTokenize('a$b+c`d', true, true)).toEqual(['a', '$', 'b', '+', 'c', '`', 'd']);
  });
});

describe('WordPiece tokenizer', () => {
  const tokenizer = createWordPieceTokenizer(VOCAB);

  it('splits greedily, longest match first, with ## continuations', () => {
    expect(tokenizer.tokenize('')).toEqual([]);
    expect(tokenizer.tokenize('unwanted running')).toEqual(['un', '##want', '##ed', 'runn', '##ing']);
    expect(tokenizer.tokenize('unwantedX running')).toEqual(['[UNK]', 'runn', '##ing']);
    expect(tokenizer.tokenize('UNwant\u00E9d,running')).toEqual(['un', '##want', '##ed', ',', 'runn', '##ing']);
  });

  it('wraps in [CLS] … [SEP] and truncates to maxLength', () => {
    expect(tokenizer.encode('unwanted running')).toEqual([2, 8, 5, 6, 9, 10, 3]);
    expect(tokenizer.encode('')).toEqual([2, 3]);
    const short = createWordPieceTokenizer(VOCAB, { maxLength: 4 });
    expect(short.encode('unwanted running')).toEqual([2, 8, 5, 3]);
    expect([tokenizer.clsId, tokenizer.sepId, tokenizer.padId, tokenizer.unkId]).toEqual([2, 3, 0, 1]);
  });

  it('turns overlong words into [UNK]', () => {
    const t = createWordPieceTokenizer(VOCAB, { maxCharsPerWord: 5 });
    expect(t.tokenize('running')).toEqual(['[UNK]']);
  });

  it('parses vocab files with CRLF and a final newline', () => {
    expect(parseVocab('[PAD]\r\n[UNK]\r\na\n')).toEqual(['[PAD]', '[UNK]', 'a']);
    expect(parseVocab('a\nb')).toEqual(['a', 'b']);
  });

  it('requires the special tokens', () => {
    expect(() => createWordPieceTokenizer(['[PAD]', '[UNK]', '[CLS]'])).toThrow(ValidationError);
    expect(() => createWordPieceTokenizer(['[PAD]', '[UNK]', '[CLS]'])).toThrow(/\[SEP\]/);
  });
});
