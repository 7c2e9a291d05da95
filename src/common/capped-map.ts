// Maps kept to a size: the oldest entry (the first inserted) goes to make room.

/** Sets `key` in `map`, first dropping its oldest entry when it holds `max` already. */
export function setCapped<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  if (map.size >= max) map.delete(map.keys().next().value as K);
  map.set(key, value);
}
