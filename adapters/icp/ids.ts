// Principals and canister ids as text: the textual encoding (base32 of CRC-32 ‖ bytes, in
// dash-separated groups of five) round-tripped through @dfinity/principal, so only the
// canonical form is accepted. A canister id is an opaque principal (last byte 0x01); an
// account is any principal but the anonymous one.
import { Principal } from '@dfinity/principal'

/** The principal `text` names in its canonical form, or undefined. */
export function parsePrincipal (text: string): Principal | undefined {
  if (text.length > 63 || !/^[a-z0-9-]+$/.test(text)) return undefined
  try {
    const p = Principal.fromText(text)
    return p.toText() === text ? p : undefined
  } catch {
    return undefined
  }
}

export function isCanisterId (text: string): boolean {
  const bytes = parsePrincipal(text)?.toUint8Array()
  return bytes !== undefined && bytes.length > 0 && bytes.length <= 29 && bytes[bytes.length - 1] === 0x01
}

export function isAccountPrincipal (text: string): boolean {
  const p = parsePrincipal(text)
  return p !== undefined && !p.isAnonymous() && p.toUint8Array().length <= 29
}

/** Whether `url` points at this machine (the only place the root key may be fetched from the endpoint). */
export function isLoopback (url: string): boolean {
  try {
    const host = new URL(url).hostname
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '::1'
  } catch {
    return false
  }
}
