// The compare page's address, shared by the pages that link to it (kept apart so linking does not load the view).

/** `?from=1&to=3`: two different stored version numbers; anything else (a version with itself too) is not a comparison. */
export function comparePair(search: URLSearchParams): { from: number; to: number } | null {
  const read = (key: string) => {
    const raw = search.get(key) ?? '';
    return /^[1-9][0-9]{0,8}$/.test(raw) ? Number(raw) : null;
  };
  const from = read('from');
  const to = read('to');
  return from === null || to === null || from === to ? null : { from, to };
}

export function comparePath(workflowId: string, pair: { from: number; to: number }): string {
  return `/automation/workflows/${encodeURIComponent(workflowId)}/compare?from=${pair.from}&to=${pair.to}`;
}
