// The devnet's fee schedule: nearcore's runtime parameters (mainnet values, rounded as in
// core/parameters/res/runtime_configs/parameters.yaml), in gas. Send fees are charged when
// a receipt is created, exec fees when it runs; the wasm and host-function costs while a
// contract runs.
export const TGAS = 1_000_000_000_000n
/** yoctoNEAR per gas (nearcore's min_gas_price). */
export const GAS_PRICE = 100_000_000n
/** yoctoNEAR per byte of storage. */
export const STORAGE_PRICE_PER_BYTE = 10_000_000_000_000_000_000n
/** Most gas one function call may attach, and one transaction carry. */
export const MAX_PREPAID_GAS = 300n * TGAS
/** Bytes every account row, and every data or key record, costs besides its own bytes. */
export const ACCOUNT_BYTES = 100n
export const RECORD_BYTES = 40n
/** A new access key's nonce starts at (height - 1) × this; a transaction's nonce may not exceed height × this. */
export const NONCE_RANGE = 1_000_000n
/** How many blocks a transaction's block hash stays valid. */
export const TX_VALIDITY_BLOCKS = 86_400

/** Per action: [send, exec] base fees; per-byte fees where the action has bytes. */
export const ACTION = {
  receipt: 108_059_500_000n,
  createAccount: 3_850_000_000_000n,
  deployContract: 184_765_750_000n,
  deployContractByteSend: 6_812_999n,
  deployContractByteExec: 64_572_944n,
  functionCall: 2_319_861_500_000n,
  functionCallByte: 2_235_934n,
  transfer: 115_123_062_500n,
  addFullAccessKey: 101_765_125_000n,
  addFunctionCallKey: 102_217_625_000n,
  addFunctionCallKeyByte: 1_925_331n,
  deleteKey: 94_946_625_000n,
  deleteAccount: 147_489_000_000n
} as const

/** Host-function costs (ext_costs) and the wasm instruction cost. */
export const EXT = {
  regularOp: 822_756n,
  base: 264_768_111n,
  contractLoadingBase: 35_445_963n,
  contractLoadingByte: 1_089_295n,
  readMemoryBase: 2_609_863_200n,
  readMemoryByte: 3_801_333n,
  writeMemoryBase: 2_803_794_861n,
  writeMemoryByte: 2_723_772n,
  readRegisterBase: 2_517_165_186n,
  readRegisterByte: 98_562n,
  writeRegisterBase: 2_865_522_486n,
  writeRegisterByte: 3_801_564n,
  utf8DecodingBase: 3_111_779_061n,
  utf8DecodingByte: 291_580_479n,
  sha256Base: 4_540_970_250n,
  sha256Byte: 24_117_351n,
  ed25519VerifyBase: 210_000_000_000n,
  ed25519VerifyByte: 9_000_000n,
  logBase: 3_543_313_050n,
  logByte: 13_198_791n,
  storageWriteBase: 64_196_736_000n,
  storageWriteKeyByte: 70_482_867n,
  storageWriteValueByte: 31_018_539n,
  storageWriteEvictedByte: 32_117_307n,
  storageReadBase: 56_356_845_750n,
  storageReadKeyByte: 30_952_533n,
  storageReadValueByte: 5_611_005n,
  storageRemoveBase: 53_473_030_500n,
  storageRemoveKeyByte: 38_220_384n,
  storageRemoveRetValueByte: 11_531_556n,
  storageHasKeyBase: 54_039_896_625n,
  storageHasKeyByte: 30_790_845n,
  touchingTrieNode: 16_101_955_926n,
  promiseAndBase: 1_465_013_400n,
  promiseReturn: 560_152_386n
} as const
