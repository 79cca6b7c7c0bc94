// Replicated growable array order: items form a tree by their `after` reference;
// siblings are ordered newest insertion first, and the list is the tree's pre-order.
// Concurrent inserts at the same place therefore land in the same order everywhere.
import { compareBytes, toHex } from '../crypto/bytes.ts'
import type { Entity } from './entity.ts'

export interface Item {
  id: Uint8Array
  entity: Entity
}

/** Every item, tombstones included, in list order. */
export function orderItems (items: Item[]): Item[] {
  const byParent = new Map<string, Item[]>()
  for (const it of items) {
    const parent = it.entity.after == null ? '' : toHex(it.entity.after)
    const list = byParent.get(parent)
    if (list === undefined) byParent.set(parent, [it])
    else list.push(it)
  }
  for (const list of byParent.values()) list.sort((a, b) => compareBytes(b.entity.at!, a.entity.at!))
  const out: Item[] = []
  const stack: Item[] = [...(byParent.get('') ?? [])].reverse()
  while (stack.length > 0) {
    const it = stack.pop()!
    out.push(it)
    const kids = byParent.get(toHex(it.id))
    if (kids !== undefined) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!)
  }
  return out
}
