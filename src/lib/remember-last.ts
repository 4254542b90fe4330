/**
 * A one-entry cache in front of a pure function: the result for the last argument is kept, and
 * computed again only when the argument changes. For work asked of every line or request of a
 * batch with an argument that rarely changes (a batch mostly names one model).
 */

/**
 * `compute`, remembering its last argument and result. A throw remembers nothing.
 *
 * @example
 * const thinking = rememberLast(thinkingFor);
 * thinking("gemini-2.5-flash"); // computed
 * thinking("gemini-2.5-flash"); // the same result, not computed again
 */
export function rememberLast<A, R>(compute: (argument: A) => R): (argument: A) => R {
  let last: { argument: A; result: R } | undefined;
  return (argument) => {
    if (last === undefined || last.argument !== argument) last = { argument, result: compute(argument) };
    return last.result;
  };
}
