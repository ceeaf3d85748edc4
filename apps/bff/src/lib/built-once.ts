/**
 * `make`, kept with its key: the first call for a key builds, every later one returns what was
 * built. The protocols' readers and encoders are built this way per description (descriptions
 * are made once and never changed), so a call runs only what was built for it.
 */
export function builtOnce<K extends object, V>(make: (key: K) => V): (key: K) => V {
  const built = new WeakMap<K, V>();
  return (key) => {
    let value = built.get(key);
    if (value === undefined) {
      value = make(key);
      built.set(key, value);
    }
    return value;
  };
}
