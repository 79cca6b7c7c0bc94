// The chains this build of Moorage knows: the only list, and the only file under src/ that
// names a chain. Adding a chain is one line here (docs/chains.md). Each module is light;
// its chain client loads the first time the node, the CLI or a script uses it.
import { ChainModules } from '../chain/modules.ts'
import { ethereum } from '../../adapters/ethereum/index.ts'
import { icp } from '../../adapters/icp/index.ts'
import { near } from '../../adapters/near/index.ts'
import { starknet } from '../../adapters/starknet/index.ts'

export const CHAIN_MODULES = new ChainModules([
  ethereum,
  icp,
  near,
  starknet
])
