// Governance requests: proposals and approvals made by the identity executing the call.
// They are not part of the call's state changes: the node submits them, in order, after
// the call has committed (a call that panics submits nothing) and reports each outcome in
// the call's result. Only mutations may make them. See docs/abi.md.
import * as host from "./host";
import { utf8, fromHex, toHex, readResult } from "./bytes";
import { panic } from "./io";
import { JSONWriter } from "./json";

export namespace governance {
  /**
   * Proposes `actionsJson`: a JSON array of actions in the form the REST API takes, e.g.
   * `[{"type":"setValue","key":"topic","value":"launch"}]` (build it with `ProposalActions`).
   * Returns the new proposal's 32-byte id, chosen now, so the call can store it. Invalid
   * actions fail the call.
   */
  export function propose(actionsJson: string): Uint8Array {
    const a = utf8(actionsJson);
    const len = host.propose(changetype<usize>(a), <usize>a.byteLength);
    if (len != 32) panic("governance.propose: the host returned a " + len.toString() + "-byte proposal id");
    return Uint8Array.wrap(readResult(len));
  }

  /** Like `propose`, returning the id as 64 hex characters. */
  export function proposeHex(actionsJson: string): string {
    return toHex(propose(actionsJson));
  }

  /** Approves a proposal: its id as 32 bytes (Uint8Array) or 64 hex characters (string). */
  export function approve<T>(proposal: T): void {
    let id = new Uint8Array(0);
    if (isString<T>()) {
      const hex = changetype<string>(proposal);
      const parsed = fromHex(hex);
      if (parsed === null || parsed.length != 32) {
        panic("governance.approve: a proposal id is 64 hex characters, got " + (hex.length > 80 ? hex.substring(0, 80) + "..." : hex));
      } else {
        id = parsed;
      }
    } else if (proposal instanceof Uint8Array) {
      id = changetype<Uint8Array>(proposal);
      if (id.length != 32) panic("governance.approve: a proposal id is 32 bytes, got " + id.length.toString());
    } else {
      panic("governance.approve: the proposal id must be a hex string or a Uint8Array");
    }
    host.approve(id.dataStart);
  }
}

/**
 * Builds the actions of a proposal as JSON:
 * `governance.propose(new ProposalActions().setValue("topic", "launch").setThreshold(2).toString())`.
 */
export class ProposalActions {
  private items: string[] = new Array<string>();

  private add(w: JSONWriter): ProposalActions {
    this.items.push(w.endObject().toString());
    return this;
  }

  private action(type: string): JSONWriter {
    return new JSONWriter().beginObject().fieldString("type", type);
  }

  setThreshold(threshold: i64): ProposalActions {
    return this.add(this.action("setThreshold").fieldInteger("threshold", threshold));
  }

  setActiveLimit(limit: i64): ProposalActions {
    return this.add(this.action("setActiveLimit").fieldInteger("limit", limit));
  }

  /** `identity`: 64 hex characters. */
  addAdmin(identity: string): ProposalActions {
    return this.add(this.action("addAdmin").fieldString("identity", identity));
  }

  /** `identity`: 64 hex characters. */
  removeAdmin(identity: string): ProposalActions {
    return this.add(this.action("removeAdmin").fieldString("identity", identity));
  }

  /** Sets a context value (UTF-8 key and value). */
  setValue(key: string, value: string): ProposalActions {
    return this.add(this.action("setValue").fieldString("key", key).fieldString("value", value));
  }

  /** `proposal`: 64 hex characters. */
  deleteProposal(proposal: string): ProposalActions {
    return this.add(this.action("deleteProposal").fieldString("proposal", proposal));
  }

  /** Number of actions so far. */
  get length(): i32 {
    return this.items.length;
  }

  /** The actions as a JSON array. */
  toString(): string {
    return "[" + this.items.join(",") + "]";
  }
}
