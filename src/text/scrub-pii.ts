/**
 * PII scrubbing (C22): replaces e-mail addresses, phone numbers, payment card numbers, IBANs,
 * IPv4 addresses and US social security numbers with placeholders such as `[EMAIL]` before user
 * text is stored in a prompt, sent to an embeddings endpoint or written to a log.
 *
 * The patterns favour keeping ordinary text: numbers are replaced only when their shape and a
 * checksum (Luhn for cards, ISO 7064 mod 97 for IBANs) or their context (`call me`, `SSN`) says
 * what they are, so years, prices, ratings, times, dates and titles such as *2001: A Space Odyssey*
 * stay as they were.
 *
 * @example
 * ```ts
 * scrubPii('Mail jane.doe@example.com or call +44 20 7946 0958.');
 * // { text: 'Mail [EMAIL] or call [PHONE].', found: { email: 1, iban: 0, card: 0, ssn: 0, ipv4: 0, phone: 1 } }
 * ```
 * @module
 */

/** The kinds of personal data {@link scrubPii} recognises, in the order they are searched. */
export const PII_KINDS = ['email', 'iban', 'card', 'ssn', 'ipv4', 'phone'] as const;

/** One of {@link PII_KINDS}. */
export type PiiKind = (typeof PII_KINDS)[number];

/** Default placeholder per kind. */
export const PII_PLACEHOLDERS: Readonly<Record<PiiKind, string>> = Object.freeze({
  email: '[EMAIL]',
  iban: '[IBAN]',
  card: '[CARD]',
  ssn: '[SSN]',
  ipv4: '[IP]',
  phone: '[PHONE]',
});

/** Options of {@link scrubPii}. */
export interface ScrubPiiOptions {
  /** Kinds to replace; all of {@link PII_KINDS} by default. */
  kinds?: readonly PiiKind[];
  /** Replacement text per kind, overriding {@link PII_PLACEHOLDERS}. */
  placeholders?: Partial<Record<PiiKind, string>>;
}

/** Result of {@link scrubPii}. */
export interface ScrubPiiResult {
  /** The text with every recognised value replaced. */
  text: string;
  /** How many values of each kind were replaced (every kind present, 0 when none). */
  found: Record<PiiKind, number>;
}

const EMAIL = /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,24}(?![\p{L}\p{N}-])/gu;

/** Country code, check digits, then 11–30 characters, either packed or in groups of four. */
const IBAN = /(?<![\p{L}\p{N}])[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)(?![\p{L}\p{N}])/gu;

/** 13–19 digits, optionally separated by single spaces or dashes. */
const CARD = /(?<![\p{L}\p{N}+\-/.,$€£])\d(?:[ -]?\d){12,18}(?![\p{L}\p{N}]|[-/.,]\d)/gu;

/** AAA-GG-SSSS; area 000, 666 and 9xx, group 00 and serial 0000 are never issued. */
const SSN = /(?<![\p{L}\p{N}-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\p{L}\p{N}]|-\d)/gu;
/** Nine digits (or 3-2-4 with spaces) when the text names them as a social security number. */
const SSN_IN_CONTEXT = /(\b(?:ssn|ss#|social security(?: number| no\.?| #)?)\s*(?:is|was|:|#|=)?\s*)((?!000|666|9\d\d)\d{3}[ -]?(?!00)\d{2}[ -]?(?!0000)\d{4})(?!\d)/giu;

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`(?<![\\p{L}\\p{N}.])${OCTET}(?:\\.${OCTET}){3}(?![\\p{L}\\p{N}]|\\.\\d)`, 'gu');

/** `+` or `00`, a country code, then groups of digits separated by spaces, dots, dashes or brackets. */
const PHONE_INTERNATIONAL = /(?<![\p{L}\p{N}+]|\d[ .-])(?:\+|00)[1-9]\d{0,3}(?:[ .-]?(?:\(\d{1,5}\)|\d{1,6})){1,7}(?![\p{L}\p{N}])/gu;
/** North American numbers with separators: `(555) 123-4567`, `555-123-4567`, `1-800-555-0199`. */
const PHONE_NANP = /(?<![\p{L}\p{N}+\-/.]|\d[ .-])(?:1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\p{L}\p{N}]|[-/.]\d)/gu;
/** National numbers with a trunk 0 (most of Europe): `030 12345678`, `06 12 34 56 78`, `020 7946 0958`. */
const PHONE_TRUNK = /(?<![\p{L}\p{N}+\-/.,:]|\d[ .-])0\d{1,4}(?:[ ./-]?\d{2,8}){1,5}(?![\p{L}\p{N}]|[-/.,:]\d)/gu;
/** A date such as `05/06/1995` or `01.02.2023` at the start of a trunk-number match: not a phone. */
const DATE_PREFIX = /^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?!\d)/;
/** Any 6–15 digit number right after a word that says it is one (`call me at`, `tel:`, `WhatsApp`). */
const PHONE_IN_CONTEXT =
  /(\b(?:phone|tel|telephone|mobile|cell|cellphone|fax|whatsapp|call me|text me|call us|reach me|ring me)(?:\s+(?:number|no\.?|nr\.?|#))?(?:\s+(?:is|at|on))?\s*[:#=]?\s*)(\+?\(?\d[\d ().-]{4,20}\d)(?![\p{L}\p{N}])/giu;

/** True when the digits pass the Luhn checksum used by payment cards. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** True when `iban` (spaces allowed) passes the ISO 13616 mod-97 check. */
export function ibanValid(iban: string): boolean {
  const compact = iban.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact)) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = (value >= 10 ? remainder * 100 + value : remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

function countDigits(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) n += 1;
  }
  return n;
}

/** A card number: Luhn-valid, an issuer prefix (2–6), not one repeated digit, one kind of separator. */
function looksLikeCard(match: string): boolean {
  const digits = match.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  if (!/^[2-6]/.test(digits) || /^(\d)\1+$/.test(digits)) return false;
  if (match.includes(' ') && match.includes('-')) return false;
  return luhnValid(digits);
}

/** Digits a phone number may have after the country code or trunk prefix (E.164 allows 15 in all). */
function phoneDigitsOk(match: string, min: number, max: number): boolean {
  const n = countDigits(match);
  return n >= min && n <= max;
}

/**
 * Replaces personal data in `text` with placeholders and counts what it replaced. Deterministic and
 * linear in the length of the text.
 *
 * @example
 * ```ts
 * scrubPii('card 4111 1111 1111 1111, SSN 123-45-6789').text; // 'card [CARD], SSN [SSN]'
 * scrubPii('Heat (1995) is 4.5/5 and costs $12.99 at 10:30').text; // unchanged
 * scrubPii('ip 10.0.0.1', { kinds: ['email'] }).text; // unchanged: only e-mails were asked for
 * ```
 */
export function scrubPii(text: string, options: ScrubPiiOptions = {}): ScrubPiiResult {
  const kinds = new Set<PiiKind>(options.kinds ?? PII_KINDS);
  const found: Record<PiiKind, number> = { email: 0, iban: 0, card: 0, ssn: 0, ipv4: 0, phone: 0 };
  const placeholder = (kind: PiiKind): string => options.placeholders?.[kind] ?? PII_PLACEHOLDERS[kind];
  // Cheap exits: no digit and no @ means nothing to find.
  if (!/[\d@]/.test(text)) return { text, found };

  let out = text;
  const replace = (kind: PiiKind, pattern: RegExp, accept: (match: string) => boolean = () => true): void => {
    out = out.replace(pattern, (match: string) => {
      if (!accept(match)) return match;
      found[kind] += 1;
      return placeholder(kind);
    });
  };

  if (kinds.has('email') && out.includes('@')) replace('email', EMAIL);
  if (kinds.has('iban')) {
    out = out.replace(IBAN, (match: string) => {
      // Grouped IBANs may have swallowed a following upper-case word: drop trailing groups until valid.
      for (let candidate = match; candidate.length >= 15; ) {
        if (ibanValid(candidate)) {
          found.iban += 1;
          return placeholder('iban') + match.slice(candidate.length);
        }
        const space = candidate.lastIndexOf(' ');
        if (space < 0) break;
        candidate = candidate.slice(0, space);
      }
      return match;
    });
  }
  if (kinds.has('card')) replace('card', CARD, looksLikeCard);
  if (kinds.has('ssn')) {
    replace('ssn', SSN);
    out = out.replace(SSN_IN_CONTEXT, (_match: string, lead: string) => {
      found.ssn += 1;
      return lead + placeholder('ssn');
    });
  }
  if (kinds.has('ipv4')) replace('ipv4', IPV4);
  if (kinds.has('phone')) {
    replace('phone', PHONE_INTERNATIONAL, (match) => phoneDigitsOk(match, 8, 15));
    replace('phone', PHONE_NANP);
    replace('phone', PHONE_TRUNK, (match) => phoneDigitsOk(match, 9, 12) && !DATE_PREFIX.test(match));
    out = out.replace(PHONE_IN_CONTEXT, (match: string, lead: string, number: string) => {
      if (!phoneDigitsOk(number, 6, 15)) return match;
      found.phone += 1;
      return lead + placeholder('phone');
    });
  }
  return { text: out, found };
}
