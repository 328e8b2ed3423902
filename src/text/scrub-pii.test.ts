/**
 * PII scrubbing: what must be replaced, and the ordinary text (years, prices, ratings, times,
 * titles) that must survive untouched.
 * @module
 */
import { describe, expect, it } from 'vitest';
import { ibanValid, luhnValid, PII_KINDS, scrubPii } from './scrub-pii.js';
import type { PiiKind } from './scrub-pii.js';

/** [input, expected output, kind replaced]. */
const POSITIVE: [string, string, PiiKind][] = [
  // E-mail
  ['write to jane.doe@example.com please', 'write to [EMAIL] please', 'email'],
  ['<john+movies@mail.co.uk>', '<[EMAIL]>', 'email'],
  ['Contact: JOHN_SMITH99@Example.ORG.', 'Contact: [EMAIL].', 'email'],
  ['müller@beispiel.de', '[EMAIL]', 'email'],
  // International phones
  ['call +44 20 7946 0958 today', 'call [PHONE] today', 'phone'],
  ['+1 (555) 123-4567', '[PHONE]', 'phone'],
  ['+49 30 12345678', '[PHONE]', 'phone'],
  ['+33 1 23 45 67 89', '[PHONE]', 'phone'],
  ['+31612345678', '[PHONE]', 'phone'],
  ['0044 20 7946 0958', '[PHONE]', 'phone'],
  ['+1-555-123-4567', '[PHONE]', 'phone'],
  ['+39 06 6982 1234', '[PHONE]', 'phone'],
  // US
  ['(555) 123-4567', '[PHONE]', 'phone'],
  ['my number is 555-123-4567.', 'my number is [PHONE].', 'phone'],
  ['555.123.4567', '[PHONE]', 'phone'],
  ['555 123 4567', '[PHONE]', 'phone'],
  ['1-800-555-0199', '[PHONE]', 'phone'],
  // Europe with trunk 0
  ['ruf an: 030 12345678', 'ruf an: [PHONE]', 'phone'],
  ['020 7946 0958', '[PHONE]', 'phone'],
  ['06 12 34 56 78', '[PHONE]', 'phone'],
  ['0612345678', '[PHONE]', 'phone'],
  ['030/1234567', '[PHONE]', 'phone'],
  // Phones named by their context
  ['call me at 5551234', 'call me at [PHONE]', 'phone'],
  ['Tel: 12 34 56 78', 'Tel: [PHONE]', 'phone'],
  ['WhatsApp 987654321', 'WhatsApp [PHONE]', 'phone'],
  // Cards (Luhn-valid test numbers)
  ['card 4111 1111 1111 1111 exp 12/27', 'card [CARD] exp 12/27', 'card'],
  ['4111-1111-1111-1111', '[CARD]', 'card'],
  ['5555555555554444', '[CARD]', 'card'],
  ['amex 3782 822463 10005', 'amex [CARD]', 'card'],
  ['6011 1111 1111 1117', '[CARD]', 'card'],
  ['paid with 4012888888881881.', 'paid with [CARD].', 'card'],
  // IBAN
  ['IBAN DE89 3704 0044 0532 0130 00', 'IBAN [IBAN]', 'iban'],
  ['GB82WEST12345698765432', '[IBAN]', 'iban'],
  ['to NL91 ABNA 0417 1643 00, thanks', 'to [IBAN], thanks', 'iban'],
  ['BE68 5390 0754 7034 NOW', '[IBAN] NOW', 'iban'],
  // IPv4
  ['from 192.168.0.1 at noon', 'from [IP] at noon', 'ipv4'],
  ['8.8.8.8', '[IP]', 'ipv4'],
  ['host 255.255.255.255:8080', 'host [IP]:8080', 'ipv4'],
  // SSN
  ['SSN 123-45-6789', 'SSN [SSN]', 'ssn'],
  ['my ssn is 123456789', 'my ssn is [SSN]', 'ssn'],
  ['social security number: 123 45 6789', 'social security number: [SSN]', 'ssn'],
];

/** Ordinary text that must come back unchanged. */
const NEGATIVE: string[] = [
  'Heat (1995) is a crime film from 1995.',
  '2001: A Space Odyssey (1968)',
  'Fahrenheit 9/11 (2004)',
  'Apollo 13 (1995), Ocean\'s 11 (2001), 1917 (2019), 2046 (2004), Blade Runner 2049 (2017)',
  '(500) Days of Summer (2009)',
  '10,000 BC (2008) and 10 Cloverfield Lane',
  'It costs $12.99, or €9,99, or £1,299.00 for the box set.',
  'Rated 4.5/5, 9/10, 3.5 stars, 100%.',
  'The show starts at 10:30, ends at 12:45:30 and repeats at 21.15.',
  'Released 2023-01-15, on 12/25/2023, on 05.06.1995, on 05/06/1995 10 people came.',
  'Between 1990-1995 and 2000–2005.',
  'Population 1,234,567,890 and 1 234 567 890 people.',
  'ISBN 978-0-306-40615-7',
  'Order number 1234567890123456 shipped.',
  'Version 1.2.3 of the app; score 3.14159265358979.',
  'Chapter 3, page 245, line 17.',
  'He was 007, born 09/11/1970, room 101.',
  'A 2 hour 30 minute movie, 120 min, 1h 45m.',
  'email me: not an address @ all, twitter @handle',
  'R2-D2 and C-3PO with a T-1000 in 3D, 4K, 1080p.',
  'A score of 0.5 and 0.75 and 0 10 20 30.',
  'The year 1984 and 1985 and 1986 and 1987.',
  'Numbers 12345678 and 123456789012 stay.',
  'phone home, call me Ishmael, cellphone addiction',
  'The 1960s-1970s, 3-2-1, 24/7, a 9-5 job, a 1-0 win, a 2:1 ratio, top 10, 5,000,000 dollars, 192.168.0 subnet.',
  'Season 2, episode 10 (S02E10), 2x10, #1 hit, No. 5.',
];

describe('scrubPii', () => {
  it.each(POSITIVE)('replaces %j', (input, expected, kind) => {
    const { text, found } = scrubPii(input);
    expect(text).toBe(expected);
    expect(found[kind]).toBeGreaterThanOrEqual(1);
  });

  it.each(NEGATIVE)('keeps %j', (input) => {
    const { text, found } = scrubPii(input);
    expect(text).toBe(input);
    expect(Object.values(found).every((n) => n === 0)).toBe(true);
  });

  it('counts every kind, with zeros for kinds not found', () => {
    const { text, found } = scrubPii('a@b.io, c@d.io, 4111 1111 1111 1111, 10.0.0.1, +44 20 7946 0958, 123-45-6789, DE89370400440532013000');
    expect(text).toBe('[EMAIL], [EMAIL], [CARD], [IP], [PHONE], [SSN], [IBAN]');
    expect(found).toEqual({ email: 2, iban: 1, card: 1, ssn: 1, ipv4: 1, phone: 1 });
    expect(Object.keys(scrubPii('nothing here').found).sort()).toEqual([...PII_KINDS].sort());
  });

  it('keeps Luhn-invalid card-like numbers, and cards with a non-card issuer digit', () => {
    expect(scrubPii('4111 1111 1111 1112').text).toBe('4111 1111 1111 1112');
    // Luhn-valid, but 1, 7, 8, 9 and 0 begin no payment card network.
    expect(scrubPii('7992739871300000 and 0000000000000000').text).toBe('7992739871300000 and 0000000000000000');
    expect(scrubPii('4111 1111-1111 1111').text).toBe('4111 1111-1111 1111');
  });

  it('keeps IBAN-shaped strings that fail the checksum', () => {
    expect(scrubPii('DE00 3704 0044 0532 0130 00').text).toBe('DE00 3704 0044 0532 0130 00');
    expect(scrubPii('AB12CDEFGHIJKLMNOP').text).toBe('AB12CDEFGHIJKLMNOP');
  });

  it('keeps invalid SSNs and IPs', () => {
    expect(scrubPii('000-12-3456 666-12-3456 900-12-3456 123-00-4567 123-45-0000').found.ssn).toBe(0);
    expect(scrubPii('256.1.1.1 and 1.2.3 and 1.2.3.4.5').text).toBe('256.1.1.1 and 1.2.3 and 1.2.3.4.5');
  });

  it('replaces only the kinds asked for, with the placeholders given', () => {
    const input = 'jane@example.com 192.168.1.1';
    expect(scrubPii(input, { kinds: ['ipv4'] }).text).toBe('jane@example.com [IP]');
    expect(scrubPii(input, { placeholders: { email: '<email>' } }).text).toBe('<email> [IP]');
    expect(scrubPii(input, { kinds: [] }).text).toBe(input);
  });

  it('handles empty, digit-free and long adversarial inputs quickly', () => {
    expect(scrubPii('')).toEqual({ text: '', found: { email: 0, iban: 0, card: 0, ssn: 0, ipv4: 0, phone: 0 } });
    expect(scrubPii('just words').text).toBe('just words');
    const inputs = ['1'.repeat(50_000), '1 '.repeat(25_000), '+1 '.repeat(15_000), '1.'.repeat(25_000), 'a'.repeat(30_000) + '@', `${'a.'.repeat(20_000)}@b`, '0 '.repeat(25_000)];
    const start = performance.now();
    for (const input of inputs) scrubPii(input);
    // Linear patterns finish in milliseconds; a catastrophic backtrack would take minutes.
    expect(performance.now() - start).toBeLessThan(5_000);
  });
});

describe('checksums', () => {
  it('luhnValid', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('4111a11111111111')).toBe(false);
  });

  it('ibanValid', () => {
    expect(ibanValid('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(ibanValid('gb82west12345698765432')).toBe(true);
    expect(ibanValid('GB82WEST12345698765433')).toBe(false);
    expect(ibanValid('DE89')).toBe(false);
  });
});
