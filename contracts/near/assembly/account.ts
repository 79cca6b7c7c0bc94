// NEAR account id rules (nearcore's AccountId): 2 to 64 characters of a-z, 0-9 and the
// separators - _ . ; a separator never starts or ends an id nor follows another.

export function validAccountId (s: string): bool {
  if (s.length < 2 || s.length > 64) return false;
  let lastSep = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const alnum = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    const sep = c == 45 || c == 95 || c == 46;
    if (!alnum && !sep) return false;
    if (sep && lastSep) return false;
    lastSep = sep;
  }
  return !lastSep;
}
