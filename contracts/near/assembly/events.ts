// NEP-297 event logs, the change feed a node reads block by block:
//   EVENT_JSON:{"standard":"moorage","version":"1.0.0","event":"<name>","data":{…}}
// Ids and byte strings are lower-case hex; amounts and u64 counters are decimal strings.
// The events and their fields are listed in docs/near.md.
import { log } from './env';
import { q } from './json';

export const EVENT_VERSION = '1.0.0';

export function emit (event: string, data: string): void {
  log('EVENT_JSON:{"standard":"moorage","version":"' + EVENT_VERSION + '","event":' + q(event) + ',"data":' + data + '}');
}
