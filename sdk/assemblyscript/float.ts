// Decimal -> f64 conversion for the JSON parser.
//
// AssemblyScript 0.28's `parseFloat` mis-scales numbers whose significand exceeds 2^53
// and whose decimal exponent lies in (22, 37] (e.g. "-9.021773660270412e+40" parses as
// -9.02e+37): its `scientific()` adjusts a float copy of the significand and then
// continues with the unadjusted integer. This file is `scientific()` and its helpers from
// the AssemblyScript standard library (Apache-2.0; adopted there from the metallic
// library, https://github.com/jdh8/metallic) with that path fixed.

const POW10: StaticArray<f64> = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

const MAX_SAFE: u64 = 9007199254740991; // 2^53 - 1

@inline function pow10(n: i32): f64 {
  return unchecked(POW10[n]);
}

function ipow5(e: i32): u32 {
  let r: u32 = 1;
  for (let i = 0; i < e; i++) r *= 5;
  return r;
}

let fixmulShift: u64 = 0;

@inline function fixmul(a: u64, b: u32): u64 {
  const low = (a & 0xFFFFFFFF) * b;
  const high = (a >> 32) * b + (low >> 32);
  const overflow = <u32>(high >> 32);
  const space = clz(overflow);
  const revspace: u64 = 32 - space;
  fixmulShift += revspace;
  return (high << space | (low & 0xFFFFFFFF) >> revspace) + (low << space >> 31 & 1);
}

function scaledown(significand: u64, exp: i32): f64 {
  const denom: u64 = 6103515625; // 1e14 * 0x1p-14
  const scale = reinterpret<f64>(0x3F06849B86A12B9B); // 1e-14 * 0x1p32
  let shift = <i64>clz(significand);
  significand <<= <u64>shift;
  shift = <i64>exp - shift;
  for (; exp <= -14; exp += 14) {
    const q = significand / denom;
    const r = significand % denom;
    const s = clz(q);
    significand = (q << s) + <u64>nearest(scale * <f64>(r << (s - 18)));
    shift -= <i64>s;
  }
  const b = <u64>ipow5(-exp);
  const q = significand / b;
  const r = significand % b;
  const s = clz(q);
  significand = (q << s) + <u64>(reinterpret<f64>(reinterpret<u64>(<f64>r) + (s << 52)) / <f64>b);
  shift -= <i64>s;
  return NativeMath.scalbn(<f64>significand, <i32>shift);
}

function scaleup(significand: u64, exp: i32): f64 {
  const coeff: u32 = 1220703125; // 1e13 * 0x1p-13
  let shift = ctz(significand);
  significand >>= shift;
  shift += <u64>exp;
  fixmulShift = shift;
  for (; exp >= 13; exp -= 13) {
    significand = fixmul(significand, coeff);
  }
  significand = fixmul(significand, ipow5(exp));
  shift = fixmulShift;
  return NativeMath.scalbn(<f64>significand, <i32>shift);
}

/** significand * 10^exp, rounded to f64. */
export function scientific(significand: u64, exp: i32): f64 {
  if (!significand || exp < -342) return 0;
  if (exp > 308) return Infinity;
  const f = <f64>significand;
  if (!exp) return f;
  if (significand <= MAX_SAFE) {
    // Exact fast paths (both operands exact, one rounding).
    if (exp > 0 && exp <= 22) return f * pow10(exp);
    if (exp < 0 && exp >= -22) return f / pow10(-exp);
    if (exp > 22 && exp <= 22 + 15) {
      const t = f * pow10(exp - 22);
      if (t <= <f64>MAX_SAFE) return t * pow10(22);
    }
  }
  return exp < 0 ? scaledown(significand, exp) : scaleup(significand, exp);
}

/**
 * Parses a number already validated against the JSON grammar, `len` UTF-16 code units
 * at `ptr`: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
 */
export function parseJsonFloat(ptr: usize, len: i32): f64 {
  let i = 0;
  let negative = false;
  if (load<u16>(ptr) == 45) { // -
    negative = true;
    i = 1;
  }
  let significand: u64 = 0;
  let digits = 0; // significant digits taken into `significand`
  let exp10: i32 = 0;
  let sticky = false;
  let seenNonZero = false;
  let inFraction = false;
  for (; i < len; i++) {
    const c = <i32>load<u16>(ptr + (<usize>i << 1));
    if (c == 46) { // .
      inFraction = true;
      continue;
    }
    if (c < 48 || c > 57) break; // exponent marker
    const d = c - 48;
    if (!seenNonZero && d == 0) {
      if (inFraction) exp10--;
      continue;
    }
    seenNonZero = true;
    if (digits < 19) {
      significand = significand * 10 + <u64>d;
      digits++;
      if (inFraction) exp10--;
    } else {
      if (d != 0) sticky = true;
      if (!inFraction) exp10++;
    }
  }
  if (i < len) { // [eE][+-]?digits
    i++;
    let expNegative = false;
    const s = <i32>load<u16>(ptr + (<usize>i << 1));
    if (s == 43 || s == 45) {
      expNegative = s == 45;
      i++;
    }
    let e: i32 = 0;
    for (; i < len; i++) {
      const c = <i32>load<u16>(ptr + (<usize>i << 1));
      if (e < 100000) e = e * 10 + (c - 48);
    }
    exp10 += expNegative ? -e : e;
  }
  if (sticky) significand |= 1;
  const v = scientific(significand, exp10);
  return negative ? -v : v;
}
