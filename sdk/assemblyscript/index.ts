// Moorage AssemblyScript SDK. Import everything from here:
//
//   import { args, returnJson, root } from "../../../sdk/assemblyscript";
//
// Build with `--runtime stub --use abort=moorAbort` (scripts/build-apps.ts does this).
import "./abort";

export * from "./io";
export * from "./json";
export * from "./context";
export * from "./collections";
export * from "./private";
export * from "./xcall";
export * from "./governance";
export { toHex, fromHex, utf8 } from "./bytes";
// Raw imports are available from "./host" for advanced use.
